"""Two imports of the same new file at the same time: the loser of the race for the unique keys
retries and finds the rows imported; both jobs succeed and nothing is written twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, connections

from conftest import database_vendor
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.bulk.models import ImportJob, ImportStatus
from fangkong.bulk.tests.test_import import row, write_csv
from fangkong.people.models import Person
from fangkong.screening.importer import ImportOutcome, import_screening_file
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import make_id

pytestmark = [
    pytest.mark.django_db(transaction=True),  # two threads, two connections, real commits
    pytest.mark.skipif(
        database_vendor() != "postgresql",
        reason="SQLite runs one writer at a time: the second import waits and never races",
    ),
]


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    yield settings.VAR_DIR


def test_two_imports_of_the_same_new_file_at_once_both_succeed_without_duplicates(
    tree: SimpleNamespace, make_user: Callable[..., User], tmp_path: Path
) -> None:
    # Given one file of 300 people never seen before, uploaded by two users at the same moment
    users = [
        make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username=f"sec{i}") for i in (1, 2)
    ]
    path = write_csv(
        tmp_path / "list.csv", [row(tree.grid1, 证件号码=make_id()) for _ in range(300)]
    )
    # ... both checked against a database without them before either writes (the race the
    # unique constraints decide: person_one_identity, then the screenings' keys)
    both_checked = threading.Barrier(2, timeout=60)
    outcomes: dict[int, ImportOutcome] = {}
    failures: list[BaseException] = []

    def upload(i: int, user: User) -> None:
        waited = False

        def progress(done: int, total: int) -> None:
            nonlocal waited
            if done == total and not waited:  # every row checked, nothing written yet
                waited = True
                both_checked.wait()

        try:
            outcomes[i] = import_screening_file(
                actor=user, path=path, filename="list.csv", progress=progress
            )
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    # When both imports run at once
    threads = [threading.Thread(target=upload, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    # Then both jobs are done: one created the rows, the other found them already imported
    assert not failures
    assert sorted(o.status for o in outcomes.values()) == ["done", "done"], [
        o.message for o in outcomes.values()
    ]
    assert sorted((o.created, o.existing) for o in outcomes.values()) == [(0, 300), (300, 0)]
    assert ImportJob.objects.filter(status=ImportStatus.DONE).count() == 2
    # ... and every person and screening is there once
    connection.close()
    assert Person.objects.count() == 300
    assert Screening.objects.count() == 300
