"""The person and health terms of ``fangkong.people`` hold the same in every module: a body
temperature outside 35.0–42.0 ℃ is refused everywhere (forms, API, preview, import) with the
same Chinese message, and one person search finds the same people on every list."""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.observation.models import CheckIn
from fangkong.people.idcard import upgrade_15
from fangkong.screening.importer import import_screening_file
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import make_id, observe, person, today

REFUSED = "体温须在 35.0 至 42.0 ℃ 之间"
ID_15 = "220102900307123"
ID_18 = upgrade_15(ID_15)
OUT_OF_BOUNDS = ["1E+308", "1e308", "99999999999999999999999999999999", "42.1", "34.9", "-37.5"]


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=[Role.VILLAGE_SECRETARY], username="wangge")


@pytest.fixture
def client(worker: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(worker)


def post_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api{path}", json.dumps(body), content_type="application/json")


def form_data(tree: SimpleNamespace, temperature: str) -> dict[str, Any]:
    return {
        "grid": tree.grid1.code,
        "doc_type": "resident_id",
        "doc_number": make_id(),
        "name": "赵敏",
        "phone": "13904310099",
        "address": "华阳小区5栋1单元202",
        "household_size": "1",
        "screened_on": today().isoformat(),
        "temperature": temperature,
        "contact": "none",
        "client_uuid": str(uuid.uuid4()),
    }


# --- defined once --------------------------------------------------------------------------------

SHARED_TERMS = re.compile(
    r"^(FEVER_AT|TEMPERATURE_MIN|TEMPERATURE_MAX|OBSERVATION_DAYS)\s*[:=]"
    r"|^class (Symptom|PersonOut|PersonSummaryOut)\b"
    r"|^def (clean_temperature|is_fever|clean_symptoms|temperature_field|search_person)\(",
    re.M,
)


def test_the_person_and_health_terms_are_defined_once_in_people() -> None:
    package = Path(__file__).resolve().parents[2]
    found = sorted(
        f"{path.relative_to(package)}: {m.group(0)}"
        for path in package.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for m in SHARED_TERMS.finditer(path.read_text(encoding="utf-8"))
    )
    assert found == [
        "people/choices.py: FEVER_AT =",
        "people/choices.py: OBSERVATION_DAYS =",
        "people/choices.py: TEMPERATURE_MAX =",
        "people/choices.py: TEMPERATURE_MIN =",
        "people/choices.py: class Symptom",
        "people/health.py: def clean_symptoms(",
        "people/health.py: def clean_temperature(",
        "people/health.py: def is_fever(",
        "people/schemas.py: class PersonOut",
        "people/schemas.py: class PersonSummaryOut",
    ]


# --- a temperature outside the bounds is refused everywhere ------------------------------------


@pytest.mark.parametrize("temperature", ["inf", "NaN", "-Infinity", "abc"])
def test_the_screening_preview_refuses_what_is_no_number_instead_of_reassuring(
    client: Client, tree: SimpleNamespace, temperature: str
) -> None:
    # when the form's live preview gets something that is no number at all
    page = client.post(reverse("screening:preview"), form_data(tree, temperature))

    # then it says how to enter a temperature and shows no outcome
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-refused="temperature"' in html
    assert "体温" in html and "如 36.5" in html
    assert "data-outcome" not in html


@pytest.mark.parametrize("temperature", OUT_OF_BOUNDS)
def test_the_screening_preview_refuses_a_temperature_no_body_has(
    client: Client, tree: SimpleNamespace, temperature: str
) -> None:
    # when the form's live preview gets 1E+308 ℃
    page = client.post(reverse("screening:preview"), form_data(tree, temperature))

    # then it shows the refusal, not an outcome (1E+308 ℃ is no fever)
    html = page.content.decode()
    assert page.status_code == 200
    assert REFUSED in html and 'data-refused="temperature"' in html
    assert "data-outcome" not in html

    # and so does the API's preview, with the same code the registration answers
    answer = post_json(
        client, "/screenings/preview", {"temperature": temperature, "grid": tree.grid1.code}
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "temperature_out_of_range"
    assert REFUSED in answer.json()["message"]


@pytest.mark.parametrize("temperature", OUT_OF_BOUNDS)
def test_the_screening_form_and_api_refuse_it_with_a_clear_message(
    client: Client, tree: SimpleNamespace, temperature: str
) -> None:
    # when the screening is submitted with it, on the page and through the API
    page = client.post(reverse("screening:new"), form_data(tree, temperature))
    answer = post_json(
        client,
        "/screenings",
        {
            "grid": tree.grid1.code,
            "person": {"name": "赵敏", "doc_number": make_id()},
            "phone": "13904310099",
            "address": "华阳小区5栋1单元202",
            "temperature": temperature,
        },
    )

    # then the form shows the message on the temperature field, the API answers 400, and
    # nothing is stored
    assert page.status_code == 200
    assert any(REFUSED in e for e in page.context["form"].errors["temperature"])
    assert answer.status_code == 400 and answer.json()["code"] == "temperature_out_of_range"
    assert answer.json()["field"] == "temperature"
    assert not Screening.objects.exists()


@pytest.mark.parametrize("temperature", ["1E+308", "42.1"])
def test_a_check_in_refuses_it_on_the_page_and_through_the_api(
    client: Client, tree: SimpleNamespace, temperature: str
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=2)

    page = client.post(
        reverse("observation:check_in", args=[observation.pk]),
        {"temperature": temperature, "day": today().isoformat(), "client_uuid": str(uuid.uuid4())},
    )
    answer = post_json(
        client,
        f"/observations/{observation.pk}/check-ins",
        {"client_uuid": str(uuid.uuid4()), "temperature": temperature},
    )

    assert REFUSED in page.content.decode()
    assert answer.status_code == 400 and answer.json()["code"] == "temperature_out_of_range"
    assert not CheckIn.objects.exists()


def test_an_import_refuses_the_row_with_the_same_message(
    tree: SimpleNamespace, worker: User, tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path / "var"
    path = tmp_path / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "证件号码", "联系电话", "现住址", "网格编码", "排查日期", "体温"])
        for i, temperature in enumerate(["1E+308", "36.6"]):
            w.writerow(
                [f"居民{i}", make_id(), "13804310001", "华阳街1号", tree.grid1.code,
                 today().isoformat(), temperature]
            )  # fmt: skip

    outcome = import_screening_file(actor=worker, path=path, filename=path.name)

    assert outcome.status == "refused" and not Screening.objects.exists()
    messages = [str(e) for e in outcome.errors]
    assert any(REFUSED in m and "1E+308" in m for m in messages), messages


# --- one person search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "张伟",  # a full name
        "张",  # a name prefix
        ID_18,  # an ID number
        ID_15,  # the same ID number in its 15-digit form
        "13904310077",  # a phone number
    ],
)
def test_the_people_list_and_the_observation_list_find_the_same_people(
    client: Client, tree: SimpleNamespace, query: str
) -> None:
    # given people under observation, some of whom the query describes
    found = person(tree.grid1, name="张伟", doc_number=ID_18)
    others = [person(tree.grid1, name="张伟民"), person(tree.grid1, name="李娜")]
    for who in [found, *others]:
        observe(tree.grid1, who=who)
    found.phone = "13904310077"
    found.save(update_fields=["phone"])

    # when both lists are searched for it
    people = client.get(reverse("people:list"), {"q": query})
    observations = client.get(reverse("observation:list"), {"q": query})

    # then they list the same people
    listed = {p.pk for p in people.context["page"].items}
    observed = {o.person_id for o in observations.context["page"].items}
    assert listed == observed
    assert found.pk in listed
    assert (others[0].pk in listed) == query.startswith("张")
