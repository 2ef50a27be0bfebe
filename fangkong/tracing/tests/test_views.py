"""The tracing pages through real HTTP: adding a contact from a case, the list and its filters
(a bounded number of queries), the contact's page and its steps, and two counties working one
hand-over, the sender seeing the state and never the receiver's records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from fangkong.tracing import actions
from fangkong.tracing.choices import ContactStatus, HandoverState
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.tests.factories import contact_of, days_ago, identity

pytestmark = pytest.mark.django_db


def _fields(tr: SimpleNamespace, residence_code: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "刘晓燕",
        "doc_type": "resident_id",
        "doc_number": identity(),
        "phone": "13812345678",
        "address": "华阳街8号",
        "residence": residence_code,
        "relation": "household",
        "first_exposure": days_ago(4).isoformat(),
        "last_exposure": days_ago(2).isoformat(),
    }
    data.update(extra)
    return data


def test_add_a_contact_from_the_case(tr: SimpleNamespace, client_for: Callable) -> None:
    client = client_for(tr.health)
    url = reverse("tracing:add_contact", args=[tr.case.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, _fields(tr, tr.tree.grid2.code))

    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    page = client.get(contact.get_absolute_url()).content.decode()
    assert "刘晓燕" in page
    assert contact.kind_reason in page
    assert contact.status == ContactStatus.TO_FIND


def test_exposure_after_isolation_is_shown_on_the_form(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    client = client_for(tr.health)
    url = reverse("tracing:add_contact", args=[tr.case.pk])
    today = timezone.localdate().isoformat()

    response = client.post(
        url, _fields(tr, tr.tree.grid2.code, first_exposure=today, last_exposure=today)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["first_exposure"]
    assert not Contact.objects.exists()


def test_unknown_residence_code_is_a_form_error(tr: SimpleNamespace, client_for: Callable) -> None:
    response = client_for(tr.health).post(
        reverse("tracing:add_contact", args=[tr.case.pk]), _fields(tr, "229999999999")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["residence"]


def test_the_sibling_county_cannot_add_contacts_to_the_case(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    url = reverse("tracing:add_contact", args=[tr.case.pk])
    client = client_for(tr.other_health)
    assert client.get(url).status_code == 404
    assert client.post(url, _fields(tr, tr.tree.grid2.code)).status_code == 404
    assert not Contact.objects.exists()


def test_find_and_observe_from_the_contact_page(tr: SimpleNamespace, client_for: Callable) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    client = client_for(tr.health)

    response = client.post(reverse("tracing:find", args=[contact.pk]), {"grid": tr.tree.grid2.pk})
    assert response.status_code == 302
    client.post(reverse("tracing:observe", args=[contact.pk]))

    contact.refresh_from_db()
    assert contact.status == ContactStatus.OBSERVING
    page = client.get(contact.get_absolute_url()).content.decode()
    assert contact.observation is not None
    assert contact.observation.get_absolute_url() in page


def test_list_filters_and_query_count(
    tr: SimpleNamespace, client_for: Callable, django_assert_max_num_queries: Callable
) -> None:
    client = client_for(tr.health)
    contact_of(tr.case, tr.tree.grid2, actor=tr.health, name="张一")
    url = reverse("tracing:list")
    client.get(url)  # warm the session and permission caches
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for _ in range(30):
        contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert "张一" in response.content.decode()

    filtered = client.get(
        url,
        {"q": "张", "status": "to_find", "county": tr.tree.nanguan.code, "case": tr.case.number},
    )
    assert "张一" in filtered.content.decode()
    assert "密接" not in filtered.content.decode().split("<tbody>")[1]
    assert client.get(url, {"county": tr.tree.changyi.code}).status_code == 404
    assert client.get(url, {"after": "x"}).status_code == 400


def test_deep_page_by_key(tr: SimpleNamespace, client_for: Callable) -> None:
    for _ in range(55):
        contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    client = client_for(tr.health)
    first = client.get(reverse("tracing:list"))
    after = first.context["page"].next_after
    second = client.get(reverse("tracing:list"), {"after": after})
    assert len(first.context["page"].items) == 50
    assert len(second.context["page"].items) == 5


def test_two_counties_through_a_handover_into_observation(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    sender, receiver = client_for(tr.health), client_for(tr.other_health)
    # given: 南关区 adds a contact living in 昌邑区's 东市场社区
    sender.post(
        reverse("tracing:add_contact", args=[tr.case.pk]), _fields(tr, tr.tree.dongshi.code)
    )
    contact = Contact.objects.get()
    handover = contact.handover
    assert contact.status == ContactStatus.HANDED_OVER

    # when: 昌邑区 sees it among its incoming hand-overs, accepts, finds and observes
    incoming = receiver.get(reverse("tracing:handovers"), {"direction": "in"}).content.decode()
    assert "刘晓燕" in incoming
    receiver.post(reverse("tracing:handover_accept", args=[handover.pk]))
    receiver.post(
        reverse("tracing:handover_found", args=[handover.pk]), {"grid": tr.tree.other_grid.pk}
    )
    receiver.post(reverse("tracing:handover_observe", args=[handover.pk]))

    # then: both sides see the state; only the receiver its person and observation
    handover.refresh_from_db()
    assert handover.state == HandoverState.OBSERVING
    receiver_page = receiver.get(handover.get_absolute_url()).content.decode()
    assert handover.observation is not None and handover.person is not None
    assert handover.observation.get_absolute_url() in receiver_page
    sender_page = sender.get(handover.get_absolute_url()).content.decode()
    assert handover.observation.get_absolute_url() not in sender_page
    assert handover.person.get_absolute_url() not in sender_page
    contact_page = sender.get(contact.get_absolute_url()).content.decode()
    assert str(HandoverState.OBSERVING.label) in contact_page or "医学观察" in contact_page
    outgoing = sender.get(reverse("tracing:handovers"), {"direction": "out"}).content.decode()
    assert "刘晓燕" not in outgoing  # the state, not the receiver's view of the person
    # the receiver's records answer 404 to the sender
    assert sender.get(handover.person.get_absolute_url()).status_code == 404
    assert sender.get(handover.observation.get_absolute_url()).status_code == 404
    # and the sender cannot work the hand-over
    assert (
        sender.post(
            reverse("tracing:handover_not_found", args=[handover.pk]), {"note": "x"}
        ).status_code
        == 404
    )


def test_escalated_handovers_show_to_the_common_parent(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    contact_of(
        tr.case,
        tr.tree.dongshi,
        actor=tr.health,
        now=timezone.now() - dt.timedelta(hours=3),
        name="赵六",
    )
    actions.escalate_overdue_handovers()

    page = client_for(tr.province).get(reverse("tracing:handovers"), {"direction": "escalated"})

    assert page.status_code == 200
    assert "南关区 → 昌邑区" in page.content.decode()
    assert Handover.objects.get().escalated_to == tr.tree.province


def test_workbench_items(tr: SimpleNamespace) -> None:
    from fangkong.core.workbench import build

    contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    contact_of(
        tr.case, tr.tree.dongshi, actor=tr.health, now=timezone.now() - dt.timedelta(hours=3)
    )
    actions.escalate_overdue_handovers()

    def counts(user: object) -> dict[str, int]:
        bench = build(user, user.home_division)  # type: ignore[attr-defined,arg-type]
        return {e.item.key: e.count for e in [*bench.todo, *bench.done]}

    assert counts(tr.health)["tracing.not_found"] == 1
    assert counts(tr.other_health)["tracing.not_accepted"] == 1
    assert counts(tr.other_county)["tracing.not_accepted"] == 1
    assert counts(tr.province)["tracing.escalated"] == 1


def test_case_contacts_section(tr: SimpleNamespace) -> None:
    contact_of(tr.case, tr.tree.grid2, actor=tr.health, name="孙七")
    request = RequestFactory().get("/")
    request.user = tr.health

    html = Template("{% load tracing %}{% case_contacts case %}").render(
        Context({"case": tr.case, "request": request})
    )

    assert "孙七" in html
    assert reverse("tracing:add_contact", args=[tr.case.pk]) in html
