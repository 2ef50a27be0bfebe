"""The screening screens through the test client: the phone form, its live outcome, the person
lookup, the list and its filters (with a bounded number of queries), a record, key areas."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.observation.models import Observation
from fangkong.people.idcard import mask_id
from fangkong.people.models import Person
from fangkong.screening import views
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, person, screen, today

NEW = reverse("screening:new")
LIST = reverse("screening:list")


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def client(worker: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(worker)


def form_data(tree: SimpleNamespace, **over: Any) -> dict[str, Any]:
    data = {
        "grid": tree.grid1.code,
        "doc_type": "resident_id",
        "doc_number": make_id(),
        "name": "赵敏",
        "phone": "13904310099",
        "address": "华阳小区5栋1单元202",
        "household_size": "3",
        "screened_on": today().isoformat(),
        "temperature": "36.8",
        "contact": "none",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def outcome_of(html: str) -> str:
    found = re.search(r'data-outcome="(\w+)"', html)
    return found[1] if found else ""


# --- the form ----------------------------------------------------------------------------------


def test_a_grid_worker_gets_the_form_for_their_own_grid(client: Client, tree: Any) -> None:
    page = client.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<input type="hidden" name="grid" value="{tree.grid1.code}">' in html
    assert 'hx-post="/screening/preview/"' in html
    assert "<script>" not in html  # behaviour lives in files (CSP)


def test_another_jurisdictions_grid_answers_404(client: Client, tree: Any) -> None:
    assert client.get(NEW, {"grid": tree.other_grid.code}).status_code == 404
    assert client.get(NEW, {"grid": tree.grid2.code}).status_code == 404
    assert client.get(NEW, {"grid": "nonsense"}).status_code == 404


def test_a_village_secretary_chooses_one_of_the_villages_grids(
    tree: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY]))
    page = client.get(NEW)
    options = page.context["form"].fields["grid"].widget.choices
    assert [code for code, _name in options] == [tree.grid1.code, tree.grid2.code]
    # and a grid of another village is refused like one that does not exist
    posted = client.post(NEW, form_data(tree, grid=tree.other_grid.code))
    assert posted.status_code == 200 and "grid" in posted.context["form"].errors
    assert not Screening.objects.exists()


def test_registering_from_the_form_shows_the_outcome_and_the_observation(
    client: Client, tree: Any
) -> None:
    hubei(tree.province)
    # when the worker registers someone who arrived from Hubei three days ago
    data = form_data(tree, arrival_date=days_ago(3).isoformat(), origin_code="42")
    posted = client.post(f"{NEW}?grid={tree.grid1.code}", data)
    # then the record page shows home observation with its reasons, and links the observation
    screening = Screening.objects.get()
    assert posted.status_code == 302 and posted["Location"] == screening.get_absolute_url()
    page = client.get(posted["Location"])
    html = page.content.decode()
    assert outcome_of(html) == "home_observation"
    assert "湖北省" in html  # the origin name comes from the chosen code
    observation = Observation.objects.get()
    assert f'data-observation="{observation.pk}"' in html
    assert screening.origin_name == "湖北省"
    # and sending the same form again (a double tap) stores nothing more
    again = client.post(NEW, data)
    assert again.status_code == 302
    assert Screening.objects.count() == 1


def test_the_form_shows_an_actions_refusal_on_its_field(client: Client, tree: Any) -> None:
    before = (Person.objects.count(), Screening.objects.count(), AuditEvent.objects.count())
    future = (today() + dt.timedelta(days=1)).isoformat()
    for field, value in [
        ("screened_on", future),
        ("doc_number", "220102199001011237"),
        ("temperature", "42.5"),
        ("phone", "12345"),
    ]:
        page = client.post(NEW, form_data(tree, **{field: value}))
        assert page.status_code == 200
        assert field in page.context["form"].errors, field
    assert (Person.objects.count(), Screening.objects.count(), AuditEvent.objects.count()) == before


def test_travel_rows_reach_the_rules(client: Client, tree: Any) -> None:
    hubei(tree.province)
    data = form_data(
        tree,
        arrival_date=days_ago(1).isoformat(),
        origin_code="11",
        travel_code_0="42",
        travel_date_0=days_ago(5).isoformat(),
        travel_name_1="日本东京",
        travel_date_1=days_ago(9).isoformat(),
    )
    assert client.post(NEW, data).status_code == 302
    screening = Screening.objects.get()
    assert screening.outcome == "home_observation"
    assert screening.travel == [
        {"code": "42", "name": "湖北省", "date": days_ago(5).isoformat()},
        {"code": "", "name": "日本东京", "date": days_ago(9).isoformat()},
    ]


def test_a_grid_worker_without_the_role_gets_403(
    tree: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(make_user(tree.grid1, roles=[Role.CHECKPOINT_STAFF]))
    assert client.get(NEW).status_code == 403
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("screening:preview"), {}).status_code == 403


# --- the live outcome --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "outcome"),
    [
        ({}, "no_risk"),
        ({"temperature": "38.2"}, "fever_clinic"),
        ({"arrival_date": "{3}", "origin_code": "42"}, "home_observation"),
        ({"arrival_date": "{3}", "origin_code": "42", "symptoms": ["dry_cough"]}, "fever_clinic"),
        ({"contact": "confirmed", "contact_date": "{1}"}, "home_observation"),
        ({"temperature": "", "doc_number": "", "name": ""}, "no_risk"),  # half-filled: no error
        ({"arrival_date": "yesterday"}, "no_risk"),  # a bad date: no error while typing
        # (a temperature that is no number is refused instead: test_shared_terms.py)
    ],
)
def test_the_preview_shows_the_outcome_as_the_form_is_filled(
    client: Client, tree: Any, over: dict[str, Any], outcome: str
) -> None:
    hubei(tree.province)
    values = {
        k: days_ago(int(v[1:-1])).isoformat() if isinstance(v, str) and v.startswith("{") else v
        for k, v in over.items()
    }
    before = AuditEvent.objects.count()
    page = client.post(
        reverse("screening:preview"), form_data(tree, **values), HTTP_HX_REQUEST="true"
    )
    assert page.status_code == 200
    assert outcome_of(page.content.decode()) == outcome
    assert "<html" not in page.content.decode()  # a fragment
    assert AuditEvent.objects.count() == before and not Screening.objects.exists()


def test_the_preview_uses_the_key_areas_of_the_chosen_grid_only_if_visible(
    client: Client, tree: Any
) -> None:
    hubei(tree.jilin_city)  # holds in 吉林市 only
    data = form_data(tree, grid=tree.other_grid.code, arrival_date=days_ago(2).isoformat())
    data["origin_code"] = "42"
    page = client.post(reverse("screening:preview"), data)
    # the other city's grid is not the worker's: their own area's key areas are used
    assert outcome_of(page.content.decode()) == "no_risk"


# --- the person lookup -------------------------------------------------------------------------


def test_a_known_id_fills_the_form_and_an_unknown_or_foreign_one_does_not(
    client: Client, tree: Any
) -> None:
    lookup = reverse("screening:person_lookup")
    known = person(tree.grid1, name="钱学森")
    screen(tree.grid1, doc_number=known.doc_number, name=known.name)
    foreign = person(tree.other_grid, name="外地人")
    page = client.get(lookup, {"doc_type": "resident_id", "doc_number": known.doc_number.lower()})
    html = page.content.decode()
    assert 'data-lookup="known"' in html
    # what the form may fill in (only where the worker typed nothing: screening.js)
    assert 'data-name="钱学森"' in html and "hx-swap-oob" not in html
    # another jurisdiction's person is as unknown as nobody
    page = client.get(lookup, {"doc_type": "resident_id", "doc_number": foreign.doc_number})
    assert 'data-lookup="new"' in page.content.decode()
    assert "外地人" not in page.content.decode()
    # a malformed number says why at once
    page = client.get(lookup, {"doc_type": "resident_id", "doc_number": "220102199001011237"})
    assert 'data-lookup="invalid"' in page.content.decode()
    assert client.get(lookup).content.decode().strip() == ""


# --- the list ----------------------------------------------------------------------------------


def rows(page: Any) -> list[Screening]:
    return list(page.context["page"].items)


def test_the_list_filters_and_searches(client: Client, tree: Any) -> None:
    hubei(tree.province)
    plain = screen(tree.grid1, name="孙一", screened_on=days_ago(3))
    fever = screen(tree.grid1, name="孙二", temperature="38.0", screened_on=days_ago(1))
    observed = screen(
        tree.grid1, name="孙三", arrival_date=days_ago(2), origin_code="42", screened_on=days_ago(1)
    )
    screen(tree.grid2, name="邻格")
    screen(tree.other_grid, name="外地")
    assert rows(client.get(LIST)) == [observed, fever, plain]  # newest first, own grid only
    assert rows(client.get(LIST, {"outcome": "fever_clinic"})) == [fever]
    assert rows(client.get(LIST, {"date_from": days_ago(2).isoformat()})) == [observed, fever]
    assert rows(client.get(LIST, {"date_to": days_ago(2).isoformat()})) == [plain]
    assert rows(client.get(LIST, {"q": "孙二"})) == [fever]
    # the one person search (people.selectors.search_filter): a name prefix, as on the people list
    assert rows(client.get(LIST, {"q": "孙"})) == [observed, fever, plain]
    assert rows(client.get(LIST, {"q": observed.person.doc_number})) == [observed]
    legacy = plain.person.doc_number[:6] + plain.person.doc_number[8:17]  # its 15-digit form
    assert rows(client.get(LIST, {"q": legacy})) == [plain]
    assert rows(client.get(LIST, {"grid": tree.grid1.code})) == [observed, fever, plain]
    # a grid or division outside the worker's area is an error, not someone else's rows
    page = client.get(LIST, {"grid": tree.other_grid.code})
    assert page.context["errors"] and rows(page) == []
    page = client.get(LIST, {"within": tree.huayang.code})
    assert page.context["errors"] and rows(page) == []
    # numbers are masked in the list
    html = client.get(LIST).content.decode()
    assert plain.person.doc_number not in html and mask_id(plain.person.doc_number) in html


def test_the_village_sees_its_grids_and_filters_by_one(
    tree: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY]))
    mine, neighbour = screen(tree.grid1), screen(tree.grid2)
    screen(tree.other_grid)
    assert set(rows(client.get(LIST))) == {mine, neighbour}
    assert rows(client.get(LIST, {"grid": tree.grid2.code})) == [neighbour]
    assert set(rows(client.get(LIST, {"within": tree.huayang.code}))) == {mine, neighbour}


def test_the_list_pages_by_key(client: Client, tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE", 2)
    made = [screen(tree.grid1, screened_on=days_ago(i % 3)) for i in range(7)]
    seen: list[Screening] = []
    params: dict[str, str] = {}
    while True:
        page = client.get(LIST, params)
        seen += rows(page)
        after = page.context["page"].next_after
        if not after:
            break
        params = {"after": after}
    newest_first = sorted(made, key=lambda s: (s.screened_on, s.pk), reverse=True)
    assert [s.pk for s in seen] == [s.pk for s in newest_first]
    # a position the list did not hand out is refused, never a server error (core.parsing)
    assert client.get(LIST, {"after": "garbage"}).status_code == 400


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_rows(
    client: Client, tree: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        screen(tree.grid1)
    few = queries()
    for _ in range(27):
        screen(tree.grid1, temperature="38.0")
    assert queries() == few


def test_a_record_outside_the_jurisdiction_answers_404(client: Client, tree: Any) -> None:
    elsewhere = screen(tree.other_grid)
    assert client.get(elsewhere.get_absolute_url()).status_code == 404
    mine = screen(tree.grid1)
    assert client.get(mine.get_absolute_url()).status_code == 200


# --- key areas ---------------------------------------------------------------------------------


def test_everyone_reads_the_key_areas_and_a_county_declares_and_ends_them(
    tree: Any, make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    hubei(tree.province)
    page_url = reverse("screening:key_areas")
    reader = client_for(make_user(tree.other_grid, roles=[Role.CHECKPOINT_STAFF]))
    page = reader.get(page_url)
    assert page.status_code == 200 and 'data-key-area="42"' in page.content.decode()
    assert not page.context["can_declare"]
    assert reader.post(page_url, {"code": "4201", "start_date": "2020-01-01"}).status_code == 403
    county = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    assert county.get(page_url).context["can_declare"]
    bad = county.post(page_url, {"code": "99", "name": "x", "start_date": "2020-01-01"})
    assert bad.status_code == 200 and "code" in bad.context["form"].errors
    done = county.post(page_url, {"code": "4201", "name": "武汉市", "start_date": "2020-01-01"})
    assert done.status_code == 302
    area = KeyArea.objects.get(code="4201")
    assert area.declared_by == tree.nanguan
    # the county may end its own declaration, not the province's
    provincial = KeyArea.objects.get(code="42")
    end = reverse("screening:key_area_end", args=[provincial.pk])
    assert county.post(end, {"end_date": "2020-03-01"}).status_code == 404
    end = reverse("screening:key_area_end", args=[area.pk])
    assert county.post(end, {"end_date": "2019-12-01"}).status_code == 302  # refused: a message
    area.refresh_from_db()
    assert area.end_date is None
    assert county.post(end, {"end_date": "2020-03-01"}).status_code == 302
    area.refresh_from_db()
    assert area.end_date == dt.date(2020, 3, 1)
