"""Lists: filters, keyset pages, today's counts, and a number of queries that does not grow with
the rows shown."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import Direction, Source
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, PassagePerson
from fangkong.checkpoints.tests.conftest import resident_id

_serial = iter(range(100_000))


def register(
    checkpoint: Checkpoint,
    destination: str,
    n: int,
    *,
    fever_every: int = 0,
    plate: str = "吉A{:05d}",
    passed_at: dt.datetime | None = None,
    people: int = 2,
) -> None:
    inputs = []
    for i in range(n):
        number = next(_serial)
        inputs.append(
            PassageInput(
                uuid=uuid.uuid4(),
                plate=plate.format(number),
                direction=Direction.IN,
                passed_at=passed_at or timezone.now() - dt.timedelta(minutes=number % 50 + 1),
                people=[
                    PersonInput(
                        f"旅客{number}-{j}",
                        "resident_id",
                        resident_id(sequence=f"{(number * 3 + j) % 1000:03d}"),
                        "13804310001",
                        "38.0" if fever_every and i % fever_every == 0 and j == 0 else "36.5",
                        origin_code="2201",
                        destination=destination,
                    )
                    for j in range(people)
                ],
            )
        )
    results = actions.register_passages(
        actor=None, checkpoint=checkpoint, inputs=inputs, source=Source.BATCH
    )
    assert all(r.status == "created" for r in results), [r.problems for r in results][:3]


def queries(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/checkpoints/", "command"),
        ("/checkpoints/passages/", "command"),
        ("/checkpoints/passages/?flagged=1&from={today}&to={today}", "command"),
        ("/checkpoints/todo/", "worker"),
        ("/checkpoints/todo/?status=all", "worker"),
        ("/checkpoints/{checkpoint}/", "staff"),
        ("/api/checkpoints", "command"),
        ("/api/passages", "command"),
        ("/api/passages?flagged=true", "command"),
        ("/api/todo/passages", "worker"),
    ],
)
def test_lists_run_the_same_number_of_queries_for_few_rows_and_many(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    other_checkpoint: Checkpoint,
    command: User,
    worker: User,
    staff: User,
    web: Callable[[User | None], Client],
    url: str,
    who: str,
) -> None:
    # given a few passages, each with a flagged traveller for 第一网格
    client = web({"command": command, "worker": worker, "staff": staff}[who])
    address = url.format(checkpoint=checkpoint.pk, today=timezone.localdate().isoformat())
    register(checkpoint, t.grid1.code, 2, fever_every=1)
    few, first = queries(client, address)

    # when there are many more, at two sites
    register(checkpoint, t.grid1.code, 30, fever_every=1)
    register(other_checkpoint, t.grid1.code, 10, fever_every=1)
    many, second = queries(client, address)

    # then the page costs the same number of queries, and few of them
    assert many == few, f"{address}: {few} queries for a few rows, {many} for many"
    assert many <= 12, f"{address}: {many} queries"
    assert len(second.content) > len(first.content)


def test_passage_filters(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    command: User,
    web: Callable[[User | None], Client],
) -> None:
    second = actions.create_checkpoint(
        actor=None,
        division=t.nanling,
        name="南岭站点卡口",
        kind="bus_station",
        longitude=checkpoint.longitude,
        latitude=checkpoint.latitude,
    )
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    register(checkpoint, t.grid1.code, 3, plate="吉A1{:04d}")
    register(checkpoint, t.grid1.code, 2, fever_every=1, plate="吉B2{:04d}", people=1)
    register(second, t.grid1.code, 2, plate="吉C3{:04d}", passed_at=two_days_ago)
    client = web(command)
    base = reverse("checkpoints:passages")

    def plates(query: str) -> set[str]:
        response = client.get(base + query)
        assert response.status_code == 200
        return {p.plate for p in response.context["page"].items}

    everything = plates("")
    assert len(everything) == 7
    assert {p[:2] for p in plates(f"?checkpoint={second.pk}")} == {"吉C"}
    assert {p[:2] for p in plates("?flagged=1")} == {"吉B"}
    assert {p[:2] for p in plates("?flagged=0")} == {"吉A", "吉C"}
    day = timezone.localdate(two_days_ago).isoformat()
    assert {p[:2] for p in plates(f"?from={day}&to={day}")} == {"吉C"}
    today = timezone.localdate().isoformat()
    assert {p[:2] for p in plates(f"?from={today}")} == {"吉A", "吉B"}
    one = sorted(everything)[0]
    assert plates(f"?plate={one[0]}{one[1].lower()} {one[2:]}") == {one}
    # a document number finds the passage it was on, exactly
    entry = PassagePerson.objects.filter(passage__plate=one).first()
    assert entry is not None
    assert plates(f"?doc={entry.doc_number.lower()}") == {one}
    assert plates(f"?doc={entry.doc_number[:10]}") == set()
    # nonsense in the filters is ignored, never a server error; a value that cannot be a number,
    # a date or a page position is refused with 400 naming it (core.parsing, issue #7)
    assert len(plates("?flagged=maybe")) == 7
    for bad in ("checkpoint=abc", "from=yesterday", "after=zzz"):
        refused = client.get(f"{base}?{bad}")
        assert refused.status_code == 400
        assert bad.split("=")[0] in refused.content.decode()
    # a checkpoint of another jurisdiction is not found
    elsewhere = actions.create_checkpoint(
        actor=None, division=t.changyi, name="外地", kind="airport",
        longitude=checkpoint.longitude, latitude=checkpoint.latitude,
    )  # fmt: skip
    assert client.get(base + f"?checkpoint={elsewhere.pk}").status_code == 404


def test_keyset_pages_walk_every_passage_once(
    t: SimpleNamespace, checkpoint: Checkpoint, command: User
) -> None:
    # given 120 passages, several at the very same time
    register(checkpoint, t.grid1.code, 100, people=1)
    register(
        checkpoint, t.grid1.code, 20, people=1, passed_at=timezone.now() - dt.timedelta(hours=1)
    )
    client = Client()
    client.force_login(command)

    # when the API is paged through, 50 at a time
    seen: list[int] = []
    url = "/api/passages?limit=50"
    while True:
        page = client.get(url).json()
        seen.extend(p["id"] for p in page["items"])
        if not page["next_after"]:
            break
        url = f"/api/passages?limit=50&after={page['next_after']}"

    # then every passage comes once, newest first
    assert len(seen) == 120 and len(set(seen)) == 120
    assert client.get("/api/passages?after=not-a-cursor").status_code == 422

    # and the web list pages the same way
    web = Client()
    web.force_login(command)
    first = web.get(reverse("checkpoints:passages"))
    after = first.context["page"].next_after
    second = web.get(reverse("checkpoints:passages") + f"?after={after}")
    ids = [p.pk for p in first.context["page"].items] + [p.pk for p in second.context["page"].items]
    assert len(set(ids)) == 100


def test_todays_counts_on_the_site_list(
    t: SimpleNamespace, checkpoint: Checkpoint, command: User
) -> None:
    register(checkpoint, t.grid1.code, 4, fever_every=2, people=3)
    register(checkpoint, t.grid1.code, 3, passed_at=timezone.now() - dt.timedelta(days=2))
    client = Client()
    client.force_login(command)
    [site] = client.get("/api/checkpoints").json()["items"]
    assert site["today"] == {"passages": 4, "people": 12, "flagged": 2}
    page = client.get(reverse("checkpoints:list"))
    assert page.context["page"].items[0].today.passages == 4


def test_api_passage_filters_and_detail(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    other_checkpoint: Checkpoint,
    command: User,
    make_user: Callable[..., User],
) -> None:
    register(checkpoint, t.grid1.code, 3, fever_every=3, plate="吉D1{:04d}")
    register(other_checkpoint, t.grid1.code, 2, plate="吉E1{:04d}")
    client = Client()
    client.force_login(command)
    items = client.get("/api/passages").json()["items"]
    assert {i["plate"][:2] for i in items} == {"吉D"}
    flagged = client.get("/api/passages?flagged=true").json()["items"]
    assert len(flagged) == 1 and flagged[0]["n_flagged"] == 1
    assert client.get(f"/api/passages?checkpoint={checkpoint.pk}").json()["items"]
    assert client.get(f"/api/passages?checkpoint={other_checkpoint.pk}").status_code == 404
    one = client.get(f"/api/passages/{items[0]['id']}").json()
    assert one["people"][0]["doc_number_masked"].count("*") == 8
    other_id = Client().get("/api/passages", HTTP_AUTHORIZATION="").status_code
    assert other_id == 401
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER])
    as_worker = Client()
    as_worker.force_login(worker)
    assert as_worker.get("/api/passages").status_code == 403
