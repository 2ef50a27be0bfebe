"""The jurisdiction-matrix entries of the fever clinic (发热门诊, ``cases/clinic_*.py``): its pages
and API operations, with builders that make a fresh clinic of 南关区 and a patient of a new grid
of 华阳社区 for each call. ``cases/tests/endpoints.py`` adds them to the app's ``CASES``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.cases import clinic
from fangkong.cases.models import ClinicVisit
from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.medical.models import Facility
from fangkong.medical.tests.factories import make_clinic
from fangkong.people.choices import DocType
from fangkong.people.models import Person

NO_SUCH_FACILITY = 999_999_999


def _clinic(w: World) -> Facility:
    return make_clinic(w.tree.nanguan, name=w.name("矩阵发热门诊"))


def _patient(w: World) -> Person:
    return w.person(w.grid(), name=w.name("矩阵就诊"))


def _visit(w: World) -> ClinicVisit:
    return clinic.register_visit(
        actor=None,
        facility=_clinic(w),
        person=_patient(w),
        temperature="38.2",
        symptoms=["fever"],
    )


def visit_record(w: World) -> Target:
    visit = _visit(w)
    return Target(home=w.tree.nanguan, args={"pk": visit.pk})


def visit_listed(w: World) -> Target:
    visit = _visit(w)
    return Target(home=w.tree.nanguan, marker=visit.person.name)


def visit_found(w: World) -> Target:
    """The registration form, the person found by document number (the history pre-filled)."""
    person = _patient(w)
    return Target(home=person.grid, query={"doc_number": person.doc_number}, marker=person.name)


def _visit_fields(w: World) -> tuple[Facility, Person, dict[str, Any]]:
    facility, person = _clinic(w), _patient(w)
    at = timezone.localtime(timezone.now() - dt.timedelta(minutes=10))
    return (
        facility,
        person,
        {
            "doc_type": DocType.RESIDENT_ID.value,
            "doc_number": person.doc_number,
            "temperature": "38.2",
            "symptoms": ["fever"],
            "visited_at": at.strftime("%Y-%m-%dT%H:%M"),
            "epi_history": "矩阵：无外出史",
        },
    )


def visit_new_form(w: World) -> Target:
    facility, _person, fields = _visit_fields(w)
    data = {**fields, "facility": facility.pk}
    return Target(home=w.tree.nanguan, data=data, absent={**data, "facility": NO_SUCH_FACILITY})


def visit_new_api(w: World) -> Target:
    facility, _person, fields = _visit_fields(w)
    fields.pop("visited_at")  # default: now
    return Target(home=w.tree.nanguan, data={**fields, "facility_id": facility.pk})


def _decision(w: World, data: dict[str, Any]) -> Target:
    target = visit_record(w)
    target.data = {"doctor": "矩阵医生", **data}
    return target


def decide_no_risk(w: World) -> Target:
    return _decision(w, {"decision": "no_risk"})


def decide_home(w: World) -> Target:
    return _decision(w, {"decision": "home_observation", "last_exposure": ""})


def decide_suspected_api(w: World) -> Target:
    visit = _visit(w)
    return Target(
        home=w.tree.nanguan,
        args={"pk": visit.pk},
        data={
            "decision": "suspected",
            "doctor": "矩阵医生",
            "address": "矩阵：华阳街1号",
            "address_division": visit.person.grid.code,
            "onset_date": timezone.localdate().isoformat(),
        },
    )


def referred(w: World) -> Target:
    """A fever found at a screening this hour: referred to a fever clinic, not arrived yet."""
    from fangkong.screening.actions import register_screening

    grid = w.grid()
    screening = register_screening(
        actor=None,
        grid=grid,
        name=w.name("矩阵转诊"),
        doc_number=w.id_number(),
        phone=w.phone(),
        address=w.name("华阳小区"),
        temperature="38.5",
    )
    return Target(home=grid, marker=screening.person.name)


CASES: list[Case] = [
    # the fever clinic (发热门诊, 首诊负责制)
    Case("cases:visit_list", "GET", LIST, visit_listed),
    Case("cases:visit_new", "GET", OWN, reason="an empty form; the clinic is checked on POST"),
    Case("cases:visit_new", "GET", LIST, visit_found, variant="found"),
    Case("cases:visit_new", "POST", SCOPED, visit_new_form, ok=(302,), form_ref=True),
    Case("cases:visit", "GET", SCOPED, visit_record),
    Case("cases:visit_decide", "POST", SCOPED, decide_no_risk, ok=(302,)),
    Case("cases:visit_decide", "POST", SCOPED, decide_home, ok=(302,), variant="home"),
    Case("cases:referrals", "GET", LIST, referred),
    # REST API: the fever clinic
    Case("GET /api/clinic-visits", "GET", LIST, visit_listed),
    Case("POST /api/clinic-visits", "POST", SCOPED, visit_new_api, ok=(201,)),
    Case("GET /api/clinic-visits/{pk}", "GET", SCOPED, visit_record),
    Case("POST /api/clinic-visits/{pk}/decision", "POST", SCOPED, decide_suspected_api),
]
