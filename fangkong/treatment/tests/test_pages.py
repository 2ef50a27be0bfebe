"""The admission policy page: the province's health commission sets it (audited), a county's
reads it and is refused (nothing written); the waiting list and the plan form answer a division
outside the jurisdiction like one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.test import Client
from django.urls import reverse

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.treatment.models import Plan, Policy


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_province_sets_the_admission_policy(
    tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given the province's health commission and a county's
    province = _client(make_user(tree.province, roles=[Role.HEALTH_COMMISSION]))
    county = _client(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    url = reverse("treatment:policy")

    # when the county posts the policy, it is refused and nothing is written
    assert county.post(url, {"mild_to_makeshift": "on"}).status_code == 403
    assert not Policy.objects.exists()
    page = county.get(url).content.decode()
    assert "<form" not in page.split("</header>", 1)[-1].split("<footer", 1)[0]

    # then the province turns it on: one audit row, and the county reads it
    assert province.post(url, {"mild_to_makeshift": "on"}).status_code == 302
    assert Policy.objects.get(division=tree.province).mild_to_makeshift is True
    assert AuditEvent.objects.filter(action="treatment.policy").count() == 1
    assert (
        "轻症病例和无症状感染者可收治于方舱医院"
        in county.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )


def test_a_plan_for_a_division_outside_the_jurisdiction_is_refused_like_an_unknown_one(
    tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given the county's health commission
    county = _client(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    url = reverse("treatment:plan_new")

    # when it asks a plan for 昌邑区 (another city) and for a code no division has
    outside = county.post(url, {"division": tree.changyi.code})
    unknown = county.post(url, {"division": "229999999999"})

    # then both answer the form with the same error, and no plan is made
    assert outside.status_code == unknown.status_code == 200
    assert "form-errors" in outside.content.decode()
    assert not Plan.objects.exists()


def test_a_hospital_in_another_city_works_the_case_once_it_accepted(
    tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    from fangkong.cases import actions as case_actions
    from fangkong.cases.choices import CaseOutcome
    from fangkong.cases.models import Case, Sample
    from fangkong.medical.choices import FacilityKind
    from fangkong.treatment import actions
    from fangkong.treatment.choices import Transport
    from fangkong.treatment.tests.factories import (
        confirm,
        place,
        ready_for_discharge,
        suspected_case,
        ward,
    )

    # given a confirmed case of 南关区 ordered by the province to a hospital of 昌邑区 (吉林市)
    clinic = place(tree.nanguan, "南关区发热门诊", lon="125.350", lat="43.864")
    case = confirm(suspected_case(tree.grid1, clinic))
    hospital = place(
        tree.changyi, "吉林市定点医院", FacilityKind.DESIGNATED_HOSPITAL, lon="126.55", lat="43.84"
    )
    order = actions.order_admission(actor=None, case=case, ward=ward(hospital))
    staff = _client(make_user(tree.changyi, roles=[Role.CLINIC_STAFF]))

    # when the hospital has not accepted yet, the case is not its to see
    assert staff.get(case.get_absolute_url()).status_code == 404
    assert staff.get(order.get_absolute_url()).status_code == 200

    # then once it accepted and the patient arrived, it sees the case and its samples
    staff.post(reverse("treatment:accept", args=[order.pk]))
    actions.advance_transport(actor=None, order=order, transport=Transport.ARRIVED)
    case.refresh_from_db()
    assert case.treating_path == hospital.division_path
    assert staff.get(case.get_absolute_url()).status_code == 200
    ready_for_discharge(case)
    assert Sample.objects.filter(case=case, treating_path=hospital.division_path).count() == 3

    # and discharges the patient itself, which frees the bed
    doctor = make_user(tree.changyi, roles=[Role.CLINIC_STAFF])
    import datetime as dt

    from django.utils import timezone

    case_actions.discharge_case(
        actor=doctor,
        case=case,
        normal_since=timezone.localdate() - dt.timedelta(days=5),
        symptoms_better=True,
        imaging_improved=True,
    )
    assert Case.objects.get(pk=case.pk).outcome == CaseOutcome.DISCHARGED
    order.ward.refresh_from_db()
    assert order.ward.occupied == 0
