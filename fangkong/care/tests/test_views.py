"""The care pages through the test client: the list, its filters and its overdue section, the
grid worker's phone view, the forms (and their bad input), permissions, and query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.care import actions
from fangkong.care.choices import CareKind, CareStatus
from fangkong.care.models import CareRequest

Make = Callable[..., CareRequest]
ClientFor = Callable[[User | None], Client]


def _text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _late(make: Make, days: int = 5, **kwargs: object) -> CareRequest:
    """A food request taken down ``days`` ago: due ``days - 2`` days ago."""
    return make(today=timezone.localdate() - dt.timedelta(days=days), **kwargs)


# --- the list ----------------------------------------------------------------------------------


def test_the_village_sees_its_requests_and_the_overdue_ones_first(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    # given an overdue request in 第一网格, a fresh one in 第二网格, one in 吉林市
    late = _late(new_request, 6)
    fresh = new_request(grid=care.grid2, person=care.neighbour, kind=CareKind.MEDICINE)
    care_actions_other = new_request(grid=care.other_grid, person=care.other_person)

    # when the village secretary opens the care list
    response = client_for(care.secretary).get(reverse("care:list"))

    # then both of the village's requests are listed, the other city's is not
    assert response.status_code == 200
    page = response.context["page"]
    assert [c.pk for c in page.items] == [fresh.pk, late.pk]
    assert care_actions_other.pk not in [c.pk for c in page.items]
    # and the overdue section names the late one, by how many days
    assert response.context["overdue_count"] == 1
    assert response.context["overdue_items"] == [late]
    html = _text(response)
    assert "吴建国" not in html
    # and each grid's pending and overdue counts come from the database
    rows = {a.division.code: (a.pending, a.overdue) for a in response.context["areas"]}
    assert rows == {care.grid1.code: (1, 1), care.grid2.code: (1, 0)}


def test_the_county_sees_overdue_counts_by_area(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    _late(new_request, 4)
    _late(new_request, 4, grid=care.hengan_grid, person=care.hengan_person)
    response = client_for(care.county).get(reverse("care:list"))
    assert response.context["overdue_count"] == 2
    rows = {a.division.name: (a.pending, a.overdue) for a in response.context["areas"]}
    assert rows == {"南岭街道": (2, 2)}
    # drilling down into the street shows its communities
    street = client_for(care.county).get(reverse("care:list"), {"within": care.tree.nanling.code})
    rows = {a.division.name: (a.pending, a.overdue) for a in street.context["areas"]}
    assert rows == {"华阳社区": (1, 1), "恒安社区": (1, 1)}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, {"open_food", "late", "medicine"}),
        ({"status": "done"}, {"done"}),
        ({"kind": "medicine"}, {"medicine"}),
        ({"overdue": "on"}, {"late"}),
        ({"grid": "GRID2"}, {"medicine"}),
        ({"within": "GRID1", "status": "open"}, {"open_food", "late"}),
    ],
)
def test_the_list_filters(
    care: SimpleNamespace,
    new_request: Make,
    client_for: ClientFor,
    params: dict[str, str],
    expected: set[str],
) -> None:
    made = {
        "open_food": new_request(),
        "late": _late(new_request),
        "medicine": new_request(grid=care.grid2, person=care.neighbour, kind=CareKind.MEDICINE),
        "done": new_request(),
    }
    actions.assign_care_request(actor=None, care=made["done"], staff=care.member1)
    actions.complete_care_request(actor=None, care=made["done"], note="已办")
    codes = {"GRID1": care.grid1.code, "GRID2": care.grid2.code}
    query = {k: codes.get(v, v) for k, v in params.items()}

    response = client_for(care.secretary).get(reverse("care:list"), query)

    assert response.status_code == 200
    shown = {c.pk for c in response.context["page"].items}
    assert shown == {made[name].pk for name in expected}


def test_bad_filters_answer_clearly(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    client = client_for(care.secretary)
    url = reverse("care:list")
    # an unknown code, a code of another city, a code that is not a number: 404 alike
    assert client.get(url, {"within": "229999999999"}).status_code == 404
    assert client.get(url, {"within": care.tree.dongshi.code}).status_code == 404
    assert client.get(url, {"grid": care.other_grid.code}).status_code == 404
    assert client.get(url, {"within": "华阳"}).status_code == 404
    # a village is not a grid
    assert client.get(url, {"grid": care.tree.huayang.code}).status_code == 404
    # a status that does not exist is named on the page, and the list is not narrowed
    new_request()
    response = client.get(url, {"status": "lost"})
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert len(response.context["page"].items) == 1


def test_the_list_pages_by_key(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fangkong.care.views.PAGE", 2)
    made = [new_request() for _ in range(5)]
    client = client_for(care.secretary)
    seen, after = [], ""
    for _ in range(3):
        response = client.get(reverse("care:list"), {"after": after} if after else {})
        seen += [c.pk for c in response.context["page"].items]
        after = str(response.context["page"].next_after or "")
    assert seen == [c.pk for c in reversed(made)]
    assert not after


def test_the_list_runs_a_fixed_number_of_queries(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    # given a few requests, some overdue and assigned, then many more of the same
    client = client_for(care.secretary)
    url = reverse("care:list")

    def add(n: int) -> None:
        for i in range(n):
            request = _late(new_request) if i % 2 else new_request()
            if i % 3 == 0:
                actions.assign_care_request(actor=None, care=request, staff=care.member1)

    add(3)
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].items) == 33

    # then the page asks the database as often for 33 rows as for 3, and not often: session,
    # user, permissions (2), home division, the page, the overdue section (2), the breadcrumb,
    # the areas and their counts
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 12, [q["sql"] for q in many.captured_queries]


# --- the grid worker's phone view --------------------------------------------------------------


def test_the_grid_worker_sees_their_grids_pending_requests_earliest_due_first(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    # given, in 第一网格, a request due in two days, an overdue one, and a cancelled one
    fresh = new_request()
    late = _late(new_request, 6)
    actions.assign_care_request(actor=None, care=late, staff=care.member1)
    gone = new_request()
    actions.cancel_care_request(actor=None, care=gone, reason="重复")
    new_request(grid=care.grid2, person=care.neighbour)

    # when the grid worker follows "Care" in the menu
    client = client_for(care.worker)
    home = client.get(reverse("core:home"), follow=True)
    link = reverse("care:grid", args=[care.grid1.code])
    assert link in [url for _label, url in home.context["nav_items"]]
    response = client.get(link)

    # then it is their grid's view: the overdue request first, then the fresh one
    assert response.status_code == 200
    assert [c.pk for c in response.context["items"]] == [late.pk, fresh.pk]
    assert response.context["overdue"] == 1
    html = _text(response)
    assert care.member1.phone in html  # call the party member from the phone
    assert reverse("care:create", args=[care.grid1.code]) in html
    assert reverse("care:done", args=[late.pk]) in html
    # and another grid's view is not theirs
    assert client.get(reverse("care:grid", args=[care.grid2.code])).status_code == 404


def test_a_village_page_is_not_a_grid_view(care: SimpleNamespace, client_for: ClientFor) -> None:
    url = reverse("care:grid", args=[care.tree.huayang.code])
    assert client_for(care.secretary).get(url).status_code == 404


# --- forms -------------------------------------------------------------------------------------


def test_the_grid_worker_records_a_request_on_the_form(
    care: SimpleNamespace, client_for: ClientFor
) -> None:
    client = client_for(care.worker)
    url = reverse("care:create", args=[care.grid1.code])
    # the form offers the grid's people, preselected when opened from a person
    page = client.get(url, {"person": care.grandma.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["person"] == care.grandma.pk
    html = _text(page)
    assert "李桂英" in html and "王淑珍" not in html

    response = client.post(
        url,
        {
            "person": care.grandma.pk,
            "household": "",
            "kind": CareKind.MEDICINE,
            "urgency": "urgent",
            "description": "降压药（硝苯地平）只剩一天的量",
            "requested_on": timezone.localdate().isoformat(),
            "due_on": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("care:grid", args=[care.grid1.code])
    request = CareRequest.objects.get()
    assert request.created_by == care.worker
    assert request.due_on == timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"person": "NEIGHBOUR"}, "person"),  # lives in another grid: not a choice
        ({"person": "OTHER"}, "person"),  # another city: not a choice, as if unknown
        ({"person": "999999"}, "person"),
        ({"person": "", "household": ""}, "person"),
        ({"due_on": "PAST"}, "due_on"),
        ({"due_on": "2020-02-30"}, "due_on"),
        ({"requested_on": "FUTURE"}, "requested_on"),
        ({"description": "药" * 1001}, "description"),
        ({"description": ""}, "description"),
        ({"kind": "money"}, "kind"),
    ],
)
def test_the_form_refuses_bad_input_and_writes_nothing(
    care: SimpleNamespace, client_for: ClientFor, change: dict[str, str], field: str
) -> None:
    today = timezone.localdate()
    values = {
        "NEIGHBOUR": str(care.neighbour.pk),
        "OTHER": str(care.other_person.pk),
        "PAST": (today - dt.timedelta(days=1)).isoformat(),
        "FUTURE": (today + dt.timedelta(days=1)).isoformat(),
    }
    data = {
        "person": str(care.grandma.pk),
        "household": "",
        "kind": CareKind.FOOD,
        "urgency": "normal",
        "description": "代购蔬菜",
        "requested_on": "",
        "due_on": "",
    }
    data.update({k: values.get(v, v) for k, v in change.items()})
    before = (CareRequest.objects.count(), AuditEvent.objects.count())

    response = client_for(care.worker).post(reverse("care:create", args=[care.grid1.code]), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert (CareRequest.objects.count(), AuditEvent.objects.count()) == before


def test_a_grid_worker_assigns_a_party_member_of_their_grid(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    request = new_request()
    client = client_for(care.worker)
    url = reverse("care:assign", args=[request.pk])
    here = reverse("care:grid", args=[care.grid1.code])

    # the choices are the party members who work the grid: not 第二网格's, not the worker
    page = client.get(url, {"next": here})
    choices = list(page.context["form"].fields["staff"].queryset)
    assert choices == [care.member1]

    # a party member of another village is refused like one that does not exist
    refused = client.post(url, {"staff": care.hengan_member.pk, "next": here})
    assert refused.status_code == 200
    assert refused.context["form"].errors["staff"]

    done = client.post(url, {"staff": care.member1.pk, "next": here})
    assert done.status_code == 302
    assert done["Location"] == here
    request.refresh_from_db()
    assert request.assignee == care.member1
    # the village secretary may choose any party member of the village
    page = client_for(care.secretary).get(url)
    assert set(page.context["form"].fields["staff"].queryset) == {care.member1, care.member2}


def test_next_must_be_our_own_page(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    request = new_request()
    response = client_for(care.worker).post(
        reverse("care:assign", args=[request.pk]),
        {"staff": care.member1.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("care:grid", args=[care.grid1.code])


def test_done_and_cancel_forms_and_closing_twice(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    client = client_for(care.worker)
    request = new_request()
    # done before assigned: the page says what to do first, and a post is refused
    page = client.get(reverse("care:done", args=[request.pk]))
    assert not page.context["can_close"]
    refused = client.post(reverse("care:done", args=[request.pk]), {"note": "已办"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()

    actions.assign_care_request(actor=None, care=request, staff=care.member1)
    done = client.post(reverse("care:done", args=[request.pk]), {"note": "已送药上门"})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == CareStatus.DONE

    # closing again, either way, is refused with a message and writes nothing
    before = AuditEvent.objects.count()
    for name, data in (("care:done", {"note": "再次"}), ("care:cancel", {"reason": "再次"})):
        again = client.post(reverse(name, args=[request.pk]), data)
        assert again.status_code == 200
        assert again.context["form"].non_field_errors()
    assert AuditEvent.objects.count() == before

    other = new_request()
    long = client.post(reverse("care:cancel", args=[other.pk]), {"reason": "因" * 501})
    assert long.status_code == 200 and long.context["form"].errors["reason"]
    cancelled = client.post(reverse("care:cancel", args=[other.pk]), {"reason": "家属已购买"})
    assert cancelled.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.close_note) == (CareStatus.CANCELLED, "家属已购买")


def test_the_detail_page(care: SimpleNamespace, new_request: Make, client_for: ClientFor) -> None:
    request = new_request(description="需要代购米面油\n以及蔬菜")
    response = client_for(care.township).get(reverse("care:detail", args=[request.pk]))
    assert response.status_code == 200
    html = _text(response)
    assert "李桂英" in html and "以及蔬菜" in html
    # the township may look but not act
    assert reverse("care:assign", args=[request.pk]) not in html
    assert (
        client_for(care.sibling).get(reverse("care:detail", args=[request.pk])).status_code == 404
    )


# --- roles -------------------------------------------------------------------------------------


def test_roles_without_care_are_refused(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    request = new_request()
    client = client_for(care.checkpoint)
    for url in (
        reverse("care:list"),
        reverse("care:grid", args=[care.grid1.code]),
        reverse("care:detail", args=[request.pk]),
        reverse("care:create", args=[care.grid1.code]),
        reverse("care:assign", args=[request.pk]),
        reverse("care:done", args=[request.pk]),
        reverse("care:cancel", args=[request.pk]),
    ):
        assert client.get(url).status_code == 403, url
    # the township watches but does not record, assign or close
    township = client_for(care.township)
    assert township.get(reverse("care:list")).status_code == 200
    assert township.get(reverse("care:create", args=[care.grid1.code])).status_code == 403
    assert (
        township.post(reverse("care:cancel", args=[request.pk]), {"reason": "x"}).status_code == 403
    )
