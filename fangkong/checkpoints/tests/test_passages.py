"""Registering passages: the phone form at the checkpoint and the terminal's single POST.

Each bad input answers a clear message about the field at fault, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions, rules
from fangkong.checkpoints.choices import Direction, Source
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.checkpoints.tests.conftest import (
    audit_mark,
    audit_since,
    passage,
    person,
    post_json,
    resident_id,
)
from fangkong.people import actions as people_actions
from fangkong.regions import actions as region_actions


def written() -> tuple[int, int, int, int]:
    return (
        Passage.objects.count(),
        PassagePerson.objects.count(),
        Handover.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the web form ------------------------------------------------------------------------------


def form_data(people: list[dict[str, Any]], **passage_fields: Any) -> dict[str, Any]:
    """The registration form as a browser posts it (formset prefix ``people``)."""
    data: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "plate": "吉A12345",
        "direction": "in",
        "passed_at": "",
        "people-TOTAL_FORMS": str(len(people)),
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "60",
    }
    data.update(passage_fields)
    for i, p in enumerate(people):
        row = {
            "name": "",
            "doc_type": "resident_id",
            "doc_number": "",
            "phone": "",
            "temperature": "",
            "origin": "22",
            "origin_detail": "",
            "destination": "",
            "destination_detail": "",
            **p,
        }
        data.update({f"people-{i}-{k}": v for k, v in row.items()})
    return data


def test_staff_register_a_car_with_two_people_on_the_phone_form(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    staff: User,
    web: Callable[[User | None], Client],
) -> None:
    # given checkpoint staff at their site's page, which carries the registration form
    client = web(staff)
    page = client.get(checkpoint.get_absolute_url())
    assert page.status_code == 200
    assert 'name="people-0-doc_number"' in page.content.decode()
    mark = audit_mark()

    # when they register a car with a healthy driver and a passenger with a fever from 武汉,
    # leaving one extra row empty
    data = form_data(
        [
            {
                "name": "张伟",
                "doc_number": resident_id(),
                "phone": "13804310001",
                "temperature": "36.6",
                "destination": t.grid1.code,
            },
            {
                "name": "李娜",
                "doc_number": resident_id("420106", "19900505", "246"),
                "phone": "139 0431 0002",
                "temperature": "38.2",
                "origin": "42",
                "origin_detail": "武汉市",
                "destination": t.huayang.code,
                "destination_detail": "华阳街 12 号",
            },
            {},
        ],
        plate=" 吉a·12345 ",
    )
    response = client.post(reverse("checkpoints:register", args=[checkpoint.pk]), data)

    # then they are back on the site's page with the passage registered
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == checkpoint.get_absolute_url()
    registered = Passage.objects.get()
    assert (registered.plate, registered.direction, registered.source) == (
        "吉A12345",
        Direction.IN,
        Source.WEB,
    )
    assert (registered.n_people, registered.n_flagged) == (2, 1)
    assert registered.division_path == checkpoint.division_path
    assert registered.registered_by == staff
    assert abs((timezone.now() - registered.passed_at).total_seconds()) < 60
    driver, passenger = registered.people.order_by("position")
    assert (driver.flagged, driver.destination, driver.destination_path) == (
        False,
        t.grid1,
        t.grid1.path,
    )
    assert passenger.flagged and passenger.flag_reasons == ["fever"]
    assert (passenger.origin_code, passenger.origin_name) == ("42", "湖北省武汉市")
    assert passenger.phone == "13904310002"
    assert passenger.temperature == Decimal("38.2")
    # ... the passenger with fever is handed to 华阳社区 (no grid was given)
    handover = Handover.objects.get()
    assert (handover.entry, handover.destination, handover.destination_path) == (
        passenger,
        t.huayang,
        t.huayang.path,
    )
    # ... and one audit row says who registered what, without personal data
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.division_path) == (
        "passage.register",
        staff,
        checkpoint.division_path,
    )
    assert event.changes["people"] == [0, 2] and event.changes["flagged"] == [0, 1]
    assert resident_id() not in str(event.changes)
    # and the page shows the passage with masked numbers
    html = client.get(checkpoint.get_absolute_url()).content.decode()
    assert "李娜" in html and "420106********2460"[:6] in html
    assert resident_id() not in html


def test_the_same_form_submitted_twice_registers_one_passage(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User, web: Callable[[User | None], Client]
) -> None:
    client = web(staff)
    data = form_data(
        [{"name": "张伟", "doc_number": resident_id(), "phone": "13804310001",
          "temperature": "36.6", "destination": t.grid1.code}]
    )  # fmt: skip
    url = reverse("checkpoints:register", args=[checkpoint.pk])
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200
    assert Passage.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        ({"doc_number": resident_id()[:-1] + "0"}, "doc_number", ""),  # bad check character
        ({"doc_number": "220102198002301234"}, "doc_number", "19800230"),  # no 30 February
        ({"doc_number": "2201021980"}, "doc_number", "18"),  # wrong length
        ({"temperature": "34.2"}, "temperature", "35"),
        ({"temperature": "43"}, "temperature", "42"),
        ({"phone": "12345"}, "phone", "11"),
        ({"destination": "229999999999"}, "destination", "229999999999"),
        ({"destination": "12ab"}, "destination", ""),
        ({"destination": ""}, "destination", ""),
        ({"origin": "abroad", "origin_detail": ""}, "origin_detail", ""),
        ({"name": ""}, "name", ""),
    ],
)
def test_the_form_puts_each_problem_on_its_field_and_writes_nothing(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    staff: User,
    web: Callable[[User | None], Client],
    row: dict[str, str],
    field: str,
    fragment: str,
) -> None:
    # given a good second person and a first person with one bad value
    good = {
        "name": "张伟",
        "doc_number": resident_id(),
        "phone": "13804310001",
        "temperature": "36.6",
        "destination": t.grid1.code,
    }
    other = {**good, "doc_number": resident_id(sequence="357")}
    before = written()

    # when the form is posted
    response = web(staff).post(
        reverse("checkpoints:register", args=[checkpoint.pk]), form_data([{**good, **row}, other])
    )

    # then the page comes back with the message on the first person's field, nothing written
    assert response.status_code == 200
    errors = response.context["people"].forms[0].errors
    assert field in errors, errors
    assert fragment in " ".join(errors[field])
    assert not response.context["people"].forms[1].errors
    assert written() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"plate": "ABC123"}, "plate"),
        ({"plate": "吉I12345"}, "plate"),
        ({"passed_at": "2020-01-01T10:00"}, "passed_at"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_the_form_refuses_bad_passage_facts(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    staff: User,
    web: Callable[[User | None], Client],
    fields: dict[str, str],
    field: str,
) -> None:
    good = {"name": "张伟", "doc_number": resident_id(), "phone": "13804310001",
            "temperature": "36.6", "destination": t.grid1.code}  # fmt: skip
    before = written()
    response = web(staff).post(
        reverse("checkpoints:register", args=[checkpoint.pk]), form_data([good], **fields)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert written() == before


def test_a_form_with_no_person_asks_for_one(
    checkpoint: Checkpoint, staff: User, web: Callable[[User | None], Client]
) -> None:
    response = web(staff).post(
        reverse("checkpoints:register", args=[checkpoint.pk]), form_data([{}])
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Passage.objects.exists()


def test_add_person_adds_a_row_with_htmx_and_without(
    checkpoint: Checkpoint, staff: User, web: Callable[[User | None], Client]
) -> None:
    client = web(staff)
    # with htmx: one row, and the form count updated out of band
    row = client.get(reverse("checkpoints:person_row"), {"people-TOTAL_FORMS": "1"})
    html = row.content.decode()
    assert row.status_code == 200
    assert 'name="people-1-doc_number"' in html
    assert 'name="people-TOTAL_FORMS" value="2"' in html and "hx-swap-oob" in html
    full = client.get(reverse("checkpoints:person_row"), {"people-TOTAL_FORMS": "60"})
    assert "people-60-" not in full.content.decode()
    # without JavaScript: the button submits, and the page comes back with one more row
    data = form_data([{}])
    data["add_person"] = "1"
    page = client.post(reverse("checkpoints:register", args=[checkpoint.pk]), data)
    assert page.status_code == 200
    assert 'name="people-1-name"' in page.content.decode()
    assert not Passage.objects.exists()


def test_destination_suggestions_cover_the_province_not_just_the_jurisdiction(
    t: SimpleNamespace, staff: User, web: Callable[[User | None], Client]
) -> None:
    client = web(staff)
    response = client.get(reverse("checkpoints:destinations"), {"people-0-destination": "东市场"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{t.dongshi.code}"' in html and "昌邑区 兴华街道 东市场社区" in html
    by_code = client.get(reverse("checkpoints:destinations"), {"q": t.grid1.code})
    assert t.grid1.code in by_code.content.decode()
    assert client.get(reverse("checkpoints:destinations"), {"q": ""}).content.decode().strip() == ""


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("吉A12345", "吉A12345"),
        ("吉a 12345", "吉A12345"),
        ("吉A·1234学", "吉A1234学"),
        ("吉AD12345", "吉AD12345"),  # new energy, small car
        ("吉A12345F", "吉A12345F"),  # new energy, large vehicle
        ("京BFA1234", "京BFA1234"),
        ("", ""),
        ("步行", ""),
        ("  ", ""),
    ],
)
def test_mainland_plates_are_normalised(raw: str, plate: str) -> None:
    assert rules.clean_plate(raw) == plate


@pytest.mark.parametrize(
    "raw", ["A12345", "吉12345", "吉A1234", "吉A123456", "吉O12345", "吉AD12A45", "沪A1234567", "x"]
)
def test_anything_else_is_not_a_plate(raw: str) -> None:
    with pytest.raises(actions.ActionError) as refused:
        rules.clean_plate(raw)
    assert refused.value.code == "bad_plate" and refused.value.field == "plate"


def test_the_destination_is_the_deepest_known_division(t: SimpleNamespace) -> None:
    from fangkong.checkpoints.intake import resolve_destinations

    retired = region_actions.create_grid(actor=None, village=t.huayang, name="待撤网格")
    region_actions.retire_grid(actor=None, grid=retired)
    merged = region_actions.create_grid(actor=None, village=t.huayang, name="待并网格")
    region_actions.merge_grids(actor=None, source=merged, target=t.grid2)
    found = resolve_destinations(
        {
            t.grid1.code,  # a grid
            "220102001001999",  # a grid that does not exist: its village
            "220102001999",  # a village that does not exist: its township
            "220102",  # a county in 6 digits
            "220102001",  # a township in 9
            retired.code,  # a retired grid: its village
            merged.code,  # a merged grid: the grid it was merged into
            "229999999999",  # nothing known
            "110101000000",  # outside the province
        }
    )
    assert found[t.grid1.code] == t.grid1
    assert found["220102001001999"] == t.huayang
    assert found["220102001999"] == t.nanling
    assert found["220102"] == t.nanguan
    assert found["220102001"] == t.nanling
    assert found[retired.code] == t.huayang
    assert found[merged.code] == t.grid2
    assert "229999999999" not in found and "110101000000" not in found


def test_a_known_person_is_linked_never_created(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User
) -> None:
    # given 张伟 registered in 第一网格 (inside the checkpoint's 南关区) and a stranger
    known, _created = people_actions.register_person(
        actor=None, grid=t.grid1, name="张伟", doc_type="resident_id", doc_number=resident_id()
    )
    from fangkong.people.models import Person

    people_before = Person.objects.count()

    # when both pass the checkpoint
    registered, created = actions.register_passage(
        actor=staff,
        checkpoint=checkpoint,
        passage=PassageInput(
            direction=Direction.IN,
            people=[
                PersonInput("张伟", "resident_id", resident_id().lower(), "13804310001", "36.5",
                            origin_code="22", destination=t.grid1.code),
                PersonInput("陌生人", "passport", "e 1234 5678", "+821012345678", "36.4",
                            origin_abroad=True, origin_name="韩国首尔", destination=t.grid1.code),
            ],
        ),
    )  # fmt: skip

    # then 张伟's entry points to the registry, the stranger's to nobody, nobody is created
    assert created
    first, second = registered.people.order_by("position")
    assert first.person == known
    assert second.person is None and second.doc_number == "E12345678"
    assert (second.origin_abroad, second.origin_code, second.phone) == (True, "", "+821012345678")
    assert Person.objects.count() == people_before


def test_a_passage_does_not_tell_whether_a_number_is_registered_in_another_county(
    t: SimpleNamespace, checkpoint: Checkpoint, terminal: Client, make_user: Callable[..., User]
) -> None:
    # given 张伟 registered in 吉林市's 东市场社区 only, and 李娜 in 南关区's 第一网格
    people_actions.register_person(
        actor=None, grid=t.other_grid, name="张伟", doc_type="resident_id", doc_number=resident_id()
    )
    people_actions.register_person(
        actor=None,
        grid=t.grid1,
        name="李娜",
        doc_type="resident_id",
        doc_number=resident_id(sequence="124"),
    )
    # when both pass 南关区's checkpoint, with a traveller never registered anywhere
    body = passage(
        checkpoint=checkpoint.pk,
        people=[
            person(name="张伟", doc_number=resident_id()),
            person(name="李娜", doc_number=resident_id(sequence="124")),
            person(name="王芳", doc_number=resident_id(sequence="126")),
        ],
    )
    response = post_json(terminal, "/api/passages", body)

    # then 张伟 answers like the stranger: 南关区 learns nothing of 吉林市's registry
    assert response.status_code == 201, response.content
    answered = [p["in_registry"] for p in response.json()["people"]]
    assert answered == [False, True, False]
    assert [p.person_id is None for p in PassagePerson.objects.order_by("position")] == [
        True,
        False,
        True,
    ]


def test_a_key_area_flags_the_traveller(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 湖北省 a key area since 2019-12-01, and 武汉市 since 2020-01-01 (the key areas as
    # the screening module keeps them, read through rules.key_area_index)
    spans = [
        rules.KeyAreaSpan("42", "湖北省", dt.date(2019, 12, 1), None),
        rules.KeyAreaSpan("4201", "武汉市", dt.date(2020, 1, 1), None),
        rules.KeyAreaSpan("11", "北京市", dt.date(2019, 12, 1), dt.date(2019, 12, 31)),
    ]
    monkeypatch.setattr(
        rules, "key_area_index", lambda first, last, within=None: rules.KeyAreaIndex(spans)
    )

    # when people from 武汉, 荆州, Beijing (its key-area days are over) and abroad pass
    def traveller(name: str, origin: str, sequence: str, abroad: bool = False) -> PersonInput:
        return PersonInput(
            name, "resident_id", resident_id(sequence=sequence), "13804310001", "36.5",
            origin_code=origin, origin_abroad=abroad, origin_name="首尔" if abroad else "",
            destination=t.grid1.code,
        )  # fmt: skip

    registered, _ = actions.register_passage(
        actor=staff,
        checkpoint=checkpoint,
        passage=PassageInput(
            direction=Direction.IN,
            people=[
                traveller("武汉人", "420106", "111"),
                traveller("荆州人", "4210", "113"),
                traveller("北京人", "110105", "115"),
                traveller("归国人", "", "117", abroad=True),
            ],
        ),
    )

    # then 武汉 and 荆州 are flagged with the most specific key area; the others are not
    by_name = {p.name: p for p in registered.people.all()}
    assert by_name["武汉人"].flag_reasons == ["key_area"] and by_name["武汉人"].key_area == "武汉市"
    assert by_name["荆州人"].key_area == "湖北省"
    assert by_name["荆州人"].origin_name == "湖北省"
    assert not by_name["北京人"].flagged and not by_name["归国人"].flagged
    assert registered.n_flagged == 2
    assert Handover.objects.count() == 2


@pytest.mark.skipif(
    not apps.is_installed("fangkong.screening"), reason="the screening app keeps key areas"
)
def test_a_key_area_declared_in_the_screening_module_flags_the_traveller(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User
) -> None:
    from fangkong.screening.actions import declare_key_area

    declare_key_area(
        actor=None, division=t.province, code="42", name="湖北省", start_date=dt.date(2019, 12, 1)
    )
    assert rules.key_area_for("420106", timezone.localdate()) is not None
    assert rules.key_area_for("220102", timezone.localdate()) is None
    registered, _ = actions.register_passage(
        actor=staff,
        checkpoint=checkpoint,
        passage=PassageInput(
            direction=Direction.IN,
            people=[PersonInput("武汉人", "resident_id", resident_id(), "13804310001", "36.5",
                                origin_code="420106", destination=t.grid1.code)],
        ),
    )  # fmt: skip
    [entry] = registered.people.all()
    assert entry.flag_reasons == ["key_area"] and entry.key_area == "湖北省"


def test_without_the_screening_app_there_are_no_key_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules.apps, "is_installed", lambda name: False)
    assert rules.key_area_for("420106", dt.date(2020, 2, 1)) is None


def test_temperature_rules() -> None:
    assert rules.clean_temperature("37.25") == Decimal("37.2")
    assert rules.is_fever(Decimal("37.3")) and not rules.is_fever(Decimal("37.2"))
    for bad in ("34.9", "42.1", "hot", "NaN"):
        with pytest.raises(actions.ActionError):
            rules.clean_temperature(bad)


def test_a_closed_checkpoint_takes_only_passages_from_before_it_closed(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User
) -> None:
    actions.close_checkpoint(actor=None, checkpoint=checkpoint)
    checkpoint.refresh_from_db()
    assert checkpoint.closed_at is not None
    one = PersonInput("张伟", "resident_id", resident_id(), "13804310001", "36.5",
                      origin_code="22", destination=t.grid1.code)  # fmt: skip
    with pytest.raises(actions.PassageRejected) as refused:
        actions.register_passage(
            actor=staff,
            checkpoint=checkpoint,
            passage=PassageInput(direction="in", people=[one]),
        )
    assert refused.value.code == "checkpoint_closed"
    earlier = checkpoint.closed_at - dt.timedelta(hours=1)
    late, created = actions.register_passage(
        actor=staff,
        checkpoint=checkpoint,
        passage=PassageInput(direction="in", passed_at=earlier, people=[one]),
    )
    assert created and late.passed_at == earlier


def test_going_out_needs_no_destination_and_hands_nobody_over(
    checkpoint: Checkpoint, staff: User
) -> None:
    registered, _ = actions.register_passage(
        actor=staff,
        checkpoint=checkpoint,
        passage=PassageInput(
            direction=Direction.OUT,
            people=[PersonInput("发热者", "resident_id", resident_id(), "13804310001", "38.5",
                                origin_code="22")],
        ),
    )  # fmt: skip
    [entry] = registered.people.all()
    assert entry.flagged and entry.destination is None
    assert not Handover.objects.exists()


# --- the terminal's single POST ----------------------------------------------------------------


def one(**fields: Any) -> dict[str, Any]:
    """A passage body with one person, changed by ``fields``."""
    return {"people": [person(**fields)]}


def test_a_terminal_registers_a_passage_with_its_token(
    t: SimpleNamespace, checkpoint: Checkpoint, staff: User, terminal: Client
) -> None:
    # when the terminal posts a passage with a driver and a feverish passenger from 武汉
    body = passage(
        checkpoint=checkpoint.pk,
        people=[
            person(),
            person(name="李娜", doc_number=resident_id(sequence="246"), temperature=38.0,
                   origin_code="420106", origin_name="", destination=t.dongshi.code),
        ],
    )  # fmt: skip
    response = post_json(terminal, "/api/passages", body)

    # then it is created and answered with masked numbers
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["uuid"] == body["uuid"] and out["source"] == "api"
    assert (out["n_people"], out["n_flagged"]) == (2, 1)
    driver, passenger = out["people"]
    assert driver["doc_number_masked"] == "220102********1235"[:6] + "*" * 8 + resident_id()[-4:]
    assert "doc_number" not in driver and "phone" not in driver
    assert driver["phone_masked"] == "138****0001"
    assert passenger["flag_reasons"] == ["fever"] and passenger["origin_name"] == "湖北省"
    assert passenger["destination_code"] == t.dongshi.code
    assert Passage.objects.get().registered_by == staff

    # and sending it again answers the same passage, 200, with nothing new
    again = post_json(terminal, "/api/passages", body)
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert Passage.objects.count() == 1 and Handover.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"plate": "吉12345"}, "plate", "bad_plate"),
        ({"passed_at": "2099-01-01T00:00:00+08:00"}, "passed_at", "future_time"),
        ({"passed_at": "2020-01-20T08:00:00+08:00"}, "passed_at", "too_old"),
        ({"passed_at": "2020-02-01T08:00:00"}, "passed_at", "naive_time"),
        (one(doc_number="220102198001011230"), "people.0.doc_number", "bad_id_number"),
        (one(doc_number="220102199013011234"), "people.0.doc_number", "bad_id_number"),
        (one(doc_number="22010219800101"), "people.0.doc_number", "bad_id_number"),
        (one(doc_number="990102198001011234"), "people.0.doc_number", "bad_id_number"),
        (one(temperature=34.9), "people.0.temperature", "temperature_out_of_range"),
        (one(temperature=45), "people.0.temperature", "temperature_out_of_range"),
        (one(destination="229999999999"), "people.0.destination", "unknown_destination"),
        (one(destination=""), "people.0.destination", "destination_required"),
        (one(destination="2201"), "people.0.destination", "bad_destination"),
        (one(origin_code="99"), "people.0.origin_code", "bad_origin_code"),
        (one(origin_code="", origin_name=""), "people.0.origin_code", "origin_required"),
        (one(phone="0"), "people.0.phone", "bad_phone"),
        ({"people": [person(), person()]}, "people.1.doc_number", "person_twice"),
    ],
)
def test_the_api_refuses_bad_passages_with_the_field_and_writes_nothing(
    checkpoint: Checkpoint, terminal: Client, change: dict[str, Any], field: str, code: str
) -> None:
    before = written()
    response = post_json(terminal, "/api/passages", passage(checkpoint=checkpoint.pk, **change))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and body["field"] == field, body
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in body["errors"]
    ]
    assert body["message"].strip()
    assert written() == before


def test_the_api_lists_every_problem_of_a_passage(checkpoint: Checkpoint, terminal: Client) -> None:
    body = passage(
        checkpoint=checkpoint.pk,
        plate="XYZ",
        people=[
            person(temperature=50, doc_number="123"),
            person(phone="1", destination="229999999999"),
        ],
    )
    response = post_json(terminal, "/api/passages", body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "plate",
        "people.0.temperature",
        "people.0.doc_number",
        "people.1.phone",
        "people.1.destination",
    }


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "bad_json"),
        ('{"checkpoint": 1, "direction": "in", "people": []}', 422, "validation_error"),
        ("[]", 422, "validation_error"),
    ],
)
def test_malformed_bodies_are_refused(
    checkpoint: Checkpoint, terminal: Client, raw: str, status: int, code: str
) -> None:
    response = post_json(terminal, "/api/passages", raw)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Passage.objects.exists()


def test_unknown_fields_are_refused(checkpoint: Checkpoint, terminal: Client) -> None:
    body = passage(checkpoint=checkpoint.pk, colour="red")
    body["people"][0]["nickname"] = "小张"
    response = post_json(terminal, "/api/passages", body)
    assert response.status_code == 422
    fields = {e["field"]: e["type"] for e in response.json()["errors"]}
    assert fields == {"colour": "extra_forbidden", "people.0.nickname": "extra_forbidden"}
    assert not Passage.objects.exists()


def test_another_jurisdictions_checkpoint_is_not_found(
    other_checkpoint: Checkpoint, terminal: Client
) -> None:
    response = post_json(terminal, "/api/passages", passage(checkpoint=other_checkpoint.pk))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (
        post_json(terminal, "/api/passages", passage(checkpoint=999999)).json() == response.json()
    )
    assert not Passage.objects.exists()


def test_a_bad_or_missing_token_is_401_and_a_role_without_the_permission_403(
    checkpoint: Checkpoint, worker: User
) -> None:
    from fangkong.accounts import actions as account_actions
    from fangkong.checkpoints.tests.conftest import machine

    body = passage(checkpoint=checkpoint.pk)
    assert post_json(machine("fk_nope"), "/api/passages", body).status_code == 401
    assert post_json(Client(), "/api/passages", body).status_code == 401
    _token, raw = account_actions.create_token(actor=None, user=worker, name="网格员的")
    assert post_json(machine(raw), "/api/passages", body).status_code == 403
    assert not Passage.objects.exists()
