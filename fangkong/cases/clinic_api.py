"""REST endpoints of the fever clinic (mounted in fangkong/api.py next to the cases router):
register a patient, list and read visits, record the doctor's decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.cases import clinic, clinic_selectors
from fangkong.cases.choices import Decision, Importation, Occupation
from fangkong.cases.models import ClinicVisit
from fangkong.cases.permissions import CasesPerm
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiDateTime, ApiId
from fangkong.core.permissions import require
from fangkong.medical.models import Facility
from fangkong.people.choices import DocType, Symptom
from fangkong.people.schemas import PersonSummaryOut
from fangkong.regions.models import Division

router = Router(tags=["fever clinic"])

CODE = r"^\d{1,15}$"


class VisitOut(Schema):
    id: int
    facility_id: int
    facility_name: str = Field(..., alias="facility.name")
    person: PersonSummaryOut
    visited_at: dt.datetime
    temperature: float
    symptoms: list[str]
    epi_history: str
    referral_screening_id: int | None = Field(
        None, description="the screening that referred the patient (then arrived)"
    )
    referral_observation_id: int | None = Field(
        None, description="the observation that referred the patient (then arrived)"
    )
    decision: Decision
    doctor: str
    decided_at: dt.datetime | None
    decision_note: str
    case_id: int | None
    case_number: str | None = None
    observation_id: int | None

    @staticmethod
    def resolve_case_number(obj: ClinicVisit) -> str | None:
        return obj.case.number if obj.case_id and obj.case else None


class VisitPage(Schema):
    items: list[VisitOut]
    next_after: int | None


class VisitQuery(Schema):
    decision: Decision | None = None
    day: ApiDate | None = Field(None, description="visits of this day")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class VisitIn(InputSchema):
    facility_id: ApiId = Field(..., description="a fever clinic in your jurisdiction")
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=40)
    name: str = Field("", max_length=50, description="a person not yet registered: the name")
    grid: str | None = Field(
        None, max_length=15, pattern=CODE, description="a person not yet registered: the grid"
    )
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    visited_at: ApiDateTime | None = Field(None, description="default: now")
    temperature: Decimal = Field(..., description="℃, 35.0–42.0")
    symptoms: list[Symptom] = Field([], max_length=10)
    epi_history: str | None = Field(
        None, max_length=2000, description="default: pre-filled from the person's records"
    )


class DecisionIn(InputSchema):
    decision: Decision
    doctor: str = Field(..., max_length=50)
    note: str = Field("", max_length=300)
    last_exposure: ApiDate | None = Field(
        None, description="home observation: 14 days from this day (default: from the history)"
    )
    address: str = Field("", max_length=200, description="suspected: the current address")
    address_division: str | None = Field(
        None, max_length=15, pattern=CODE, description="suspected: its division's code"
    )
    onset_date: ApiDate | None = None
    occupation: Occupation = Occupation.UNKNOWN
    workplace: str = Field("", max_length=100)
    import_status: Importation = Importation.LOCAL
    origin: str = Field("", max_length=100)


def _one(request: HttpRequest, pk: int) -> ClinicVisit:
    visit: ClinicVisit = get_visible_or_404(
        ClinicVisit.objects.select_related("person", "facility", "case"), request.user, pk=pk
    )
    return visit


@router.get("/clinic-visits", response=VisitPage, summary="Patients seen at fever clinics")
def list_visits(request: HttpRequest, query: Query[VisitQuery]) -> dict[str, object]:
    require(request, CasesPerm.VIEW_CLINICVISIT)
    filters = clinic_selectors.Filters(
        decision=query.decision.value if query.decision else "", day=query.day
    )
    page = clinic_selectors.page(
        clinic_selectors.visits(request.user, filters), after=query.after, size=query.limit
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/clinic-visits/{pk}", response=VisitOut, summary="One visit")
def get_visit(request: HttpRequest, pk: ApiId) -> ClinicVisit:
    require(request, CasesPerm.VIEW_CLINICVISIT)
    return _one(request, pk)


@router.post("/clinic-visits", response={201: VisitOut}, summary="Register a patient")
def create_visit(request: HttpRequest, payload: VisitIn) -> Status[ClinicVisit]:
    """The person is found by document number among those you may see, or registered new in
    ``grid`` with ``name``. The person's open referral (within 3 days) is answered by this
    visit and shows as arrived; without one the patient walked in."""
    require(request, CasesPerm.ADD_CLINICVISIT)
    actor = user_of(request)
    facility = get_visible_or_404(Facility.objects.all(), actor, pk=payload.facility_id)
    grid = None
    if payload.grid:
        grid = Division.objects.visible_to(actor).active_grids().filter(code=payload.grid).first()
        if grid is None:
            raise ActionError(
                _("No active grid with this code in your jurisdiction."),
                code="bad_grid",
                field="grid",
            )
    visit = clinic.register_patient(
        actor=actor,
        facility=facility,
        doc_type=payload.doc_type.value,
        doc_number=payload.doc_number,
        temperature=payload.temperature,
        symptoms=[s.value for s in payload.symptoms],
        visited_at=payload.visited_at,
        epi_history=payload.epi_history,
        name=payload.name,
        grid=grid,
        phone=payload.phone,
        address=payload.address,
    )
    return Status(201, _one(request, visit.pk))


@router.post(
    "/clinic-visits/{pk}/decision", response=VisitOut, summary="Record the doctor's decision"
)
def decide(request: HttpRequest, pk: ApiId, payload: DecisionIn) -> ClinicVisit:
    """Once (409 after): ``home_observation`` starts a home observation, ``suspected``
    reports a suspected case isolated on the spot (the case fields are then required),
    ``no_risk`` nothing else."""
    require(request, CasesPerm.CHANGE_CLINICVISIT)
    actor = user_of(request)
    visit = _one(request, pk)
    division = None
    if payload.address_division:
        # where the patient lives may be another county (a commuter): any real division; the
        # case is then seen by both, where it lives and where it was reported (ADR 0015)
        division = Division.objects.filter(code=payload.address_division, active=True).first()
        if division is None:
            raise ActionError(
                _("No division with this code."),
                code="bad_address_division",
                field="address_division",
            )
    clinic.decide_visit(
        actor=actor,
        visit=visit,
        decision=payload.decision.value,
        doctor=payload.doctor,
        note=payload.note,
        case=clinic.CaseFields(
            address=payload.address,
            address_division=division,
            onset_date=payload.onset_date,
            occupation=payload.occupation.value,
            workplace=payload.workplace,
            import_status=payload.import_status.value,
            origin=payload.origin,
        ),
        last_exposure=payload.last_exposure,
    )
    return _one(request, pk)
