"""The REST API of the cases app (mounted in fangkong/api.py): the case list and page, each step
of the course, samples and results, and the laboratories' batch of results by sample number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fangkong.cases import actions, selectors
from fangkong.cases.choices import (
    CaseOutcome,
    Category,
    Importation,
    Method,
    Occupation,
    Result,
    SampleType,
    Severity,
)
from fangkong.cases.models import Case, CaseEvent, Sample
from fangkong.cases.permissions import CasesPerm
from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiDateTime, ApiId
from fangkong.core.permissions import require
from fangkong.regions.selectors import visible_division

router = Router(tags=["cases"])

CODE = r"^\d{1,15}$"
NUMBER = r"^[0-9A-Za-z-]{1,20}$"
LAB_BATCH_MAX = 1000


class SampleOut(Schema):
    id: int
    number: str
    sample_type: SampleType
    sampled_at: dt.datetime
    laboratory: str
    method: Method
    result: Result
    ct_orf1ab: Decimal | None
    ct_n: Decimal | None
    result_at: dt.datetime | None


class EventOut(Schema):
    kind: str
    at: dt.datetime
    detail: str


class CaseOut(Schema):
    id: int
    number: str
    person_id: int
    person_name: str = Field(..., alias="person.name")
    doc_number: str = Field(..., description="masked", alias="person.masked_doc_number")
    phone: str = Field(..., description="masked", alias="person.masked_phone")
    occupation: Occupation
    address: str
    county_code: str = Field(..., alias="county.code")
    county_name: str = Field(..., alias="county.name")
    category: Category
    severity: Severity | None = None
    outcome: CaseOutcome
    onset_date: dt.date | None
    diagnosed_at: dt.datetime
    confirmed_at: dt.datetime | None
    excluded_at: dt.datetime | None
    discharged_on: dt.date | None
    died_on: dt.date | None
    import_status: Importation
    origin: str
    reporting_doctor: str
    responsible_facility_id: int
    responsible_facility_name: str = Field(..., alias="responsible_facility.name")
    report_due_at: dt.datetime
    national_reported_at: dt.datetime | None
    report_minutes: int | None = Field(None, description="diagnosis to the national report")
    overdue: bool = Field(False, description="past the 2-hour clock and not reported")

    @staticmethod
    def resolve_severity(obj: Case) -> str | None:
        return obj.severity or None

    @staticmethod
    def resolve_report_minutes(obj: Case) -> int | None:
        return obj.report_minutes()

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return selectors.clock(obj).overdue


class CaseDetailOut(CaseOut):
    samples: list[SampleOut]
    events: list[EventOut]

    @staticmethod
    def resolve_samples(obj: Case) -> list[Sample]:
        return selectors.samples_of(obj)

    @staticmethod
    def resolve_events(obj: Case) -> list[CaseEvent]:
        return list(obj.events.order_by("at", "id"))


class CasePage(Schema):
    items: list[CaseOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class CaseQuery(Schema):
    within: str | None = Field(None, pattern=CODE, description="a division code (the address)")
    category: Category | None = None
    outcome: CaseOutcome | None = None
    import_status: Importation | None = None
    overdue: bool = Field(False, description="only cases past the 2-hour clock")
    awaiting: bool = Field(False, description="only open suspected cases awaiting a result")
    q: str | None = Field(None, pattern=NUMBER, description="a case number or its beginning")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class CaseConfirmIn(InputSchema):
    severity: Severity


class OnsetIn(InputSchema):
    onset_date: ApiDate = Field(..., description="the day the symptoms began")
    severity: Severity


class NoteIn(InputSchema):
    note: str = Field("", max_length=300)


class DischargeIn(InputSchema):
    normal_since: ApiDate | None = Field(None, description="temperature normal since this day")
    symptoms_better: bool = False
    imaging_improved: bool = False


class DeathIn(InputSchema):
    died_on: ApiDate
    note: str = Field("", max_length=300)


class NationalReportIn(InputSchema):
    at: ApiDateTime | None = Field(None, description="default now")


class SampleIn(InputSchema):
    number: str = Field(..., min_length=1, max_length=32, description="the sample's barcode")
    sample_type: SampleType
    sampled_at: ApiDateTime
    laboratory: str = Field(..., min_length=1, max_length=100)
    method: Method = Method.PCR


class ResultIn(InputSchema):
    result: Result
    # 0–50, one decimal: checked by the action (a 400 naming the field), as every decimal here
    ct_orf1ab: Decimal | None = Field(None, description="Ct value of ORF1ab, 0–50")
    ct_n: Decimal | None = Field(None, description="Ct value of N, 0–50")
    result_at: ApiDateTime | None = Field(None, description="default now")


class LabItemIn(ResultIn):
    number: str = Field(..., min_length=1, max_length=32, description="the sample number")


class LabResultsIn(InputSchema):
    items: list[LabItemIn] = Field(..., min_length=1, max_length=LAB_BATCH_MAX)


class LabAnswerOut(Schema):
    index: int = Field(..., description="the item's position in the batch, from 0")
    status: str = Field(..., description="recorded or refused")
    code: str = Field(..., description="why refused: unknown_sample, result_exists, …")
    message: str


class LabResultsOut(Schema):
    recorded: int
    refused: int
    items: list[LabAnswerOut]


def _case(request: HttpRequest, pk: int) -> Case:
    case: Case = get_visible_or_404(
        Case.objects.select_related(*selectors.LIST_RELATED), request.user, pk=pk
    )
    return case


@router.get("/cases", response=CasePage, summary="Cases in your jurisdiction")
def list_cases(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    """Cases seen by their address or by their reporting clinic, newest first, paged by key:
    pass `next_after` back as `after`."""
    require(request, CasesPerm.VIEW_CASE)
    filters = selectors.Filters(
        within=visible_division(request.user, query.within) if query.within else None,
        category=query.category or "",
        outcome=query.outcome or "",
        import_status=query.import_status or "",
        overdue=query.overdue,
        awaiting=query.awaiting,
        q=query.q or "",
    )
    page = selectors.page(
        selectors.cases_for(user_of(request), filters), after=query.after, size=query.limit
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/cases/{pk}", response=CaseDetailOut, summary="One case with samples and course")
def get_case(request: HttpRequest, pk: ApiId) -> Case:
    require(request, CasesPerm.VIEW_CASE)
    return _case(request, pk)


def _step(request: HttpRequest, pk: int, perm: CasesPerm, call: Any) -> Case:
    require(request, perm)
    case = _case(request, pk)
    call(user_of(request), case)
    return _case(request, pk)


@router.post("/cases/{pk}/confirm", response=CaseDetailOut, summary="Confirm a suspected case")
def confirm_case(request: HttpRequest, pk: ApiId, payload: CaseConfirmIn) -> Case:
    """Needs a positive nucleic acid result."""
    return _step(
        request,
        pk,
        CasesPerm.CHANGE_CATEGORY,
        lambda u, c: actions.confirm_case(actor=u, case=c, severity=payload.severity),
    )


@router.post(
    "/cases/{pk}/asymptomatic",
    response=CaseDetailOut,
    summary="Reclassify a suspected case as asymptomatic infection",
)
def reclassify_asymptomatic(request: HttpRequest, pk: ApiId) -> Case:
    """Needs a positive nucleic acid result; the onset date is cleared."""
    return _step(
        request,
        pk,
        CasesPerm.CHANGE_CATEGORY,
        lambda u, c: actions.reclassify_asymptomatic(actor=u, case=c),
    )


@router.post(
    "/cases/{pk}/onset",
    response=CaseDetailOut,
    summary="An asymptomatic infection with symptoms becomes confirmed",
)
def confirm_on_symptoms(request: HttpRequest, pk: ApiId, payload: OnsetIn) -> Case:
    return _step(
        request,
        pk,
        CasesPerm.CHANGE_CATEGORY,
        lambda u, c: actions.confirm_on_symptoms(
            actor=u, case=c, onset_date=payload.onset_date, severity=payload.severity
        ),
    )


@router.post("/cases/{pk}/exclude", response=CaseDetailOut, summary="Exclude a suspected case")
def exclude_case(request: HttpRequest, pk: ApiId, payload: NoteIn) -> Case:
    """Needs two negative nucleic acid results sampled at least 24 h apart."""
    return _step(
        request,
        pk,
        CasesPerm.CHANGE_CATEGORY,
        lambda u, c: actions.exclude_case(actor=u, case=c, note=payload.note),
    )


@router.post("/cases/{pk}/discharge", response=CaseDetailOut, summary="Discharge a case")
def discharge_case(request: HttpRequest, pk: ApiId, payload: DischargeIn) -> Case:
    """Needs the four criteria; starts 14 days of home observation."""
    return _step(
        request,
        pk,
        CasesPerm.CLOSE_CASE,
        lambda u, c: actions.discharge_case(
            actor=u,
            case=c,
            normal_since=payload.normal_since,
            symptoms_better=payload.symptoms_better,
            imaging_improved=payload.imaging_improved,
        ),
    )


@router.post("/cases/{pk}/death", response=CaseDetailOut, summary="Record the death of a case")
def record_death(request: HttpRequest, pk: ApiId, payload: DeathIn) -> Case:
    return _step(
        request,
        pk,
        CasesPerm.CLOSE_CASE,
        lambda u, c: actions.record_death(
            actor=u, case=c, died_on=payload.died_on, note=payload.note
        ),
    )


@router.post(
    "/cases/{pk}/national-report",
    response=CaseDetailOut,
    summary="Mark a case reported to the national system",
)
def mark_reported(request: HttpRequest, pk: ApiId, payload: NationalReportIn) -> Case:
    return _step(
        request,
        pk,
        CasesPerm.MARK_REPORTED,
        lambda u, c: actions.mark_reported(actor=u, case=c, at=payload.at),
    )


@router.post("/cases/{pk}/samples", response={201: SampleOut}, summary="Record a sample of a case")
def add_sample(request: HttpRequest, pk: ApiId, payload: SampleIn) -> Status[Sample]:
    require(request, CasesPerm.ADD_SAMPLE)
    case = _case(request, pk)
    sample = actions.add_sample(
        actor=user_of(request),
        case=case,
        number=payload.number,
        sample_type=payload.sample_type,
        sampled_at=payload.sampled_at,
        laboratory=payload.laboratory,
        method=payload.method,
    )
    return Status(201, sample)


@router.post("/samples/{pk}/result", response=SampleOut, summary="Record a sample's result")
def record_result(request: HttpRequest, pk: ApiId, payload: ResultIn) -> Sample:
    require(request, CasesPerm.RECORD_RESULT)
    sample = selectors.sample_visible(request.user, pk)
    if sample is None:
        raise Http404
    return actions.record_result(
        actor=user_of(request),
        sample=sample,
        result=payload.result,
        ct_orf1ab=payload.ct_orf1ab,
        ct_n=payload.ct_n,
        result_at=payload.result_at,
    )


@router.post(
    "/lab/results",
    response=LabResultsOut,
    summary="A laboratory's results by sample number (batch)",
)
def lab_results(request: HttpRequest, payload: LabResultsIn) -> dict[str, Any]:
    """Up to 1,000 results by sample number, typically with a machine token
    (`Authorization: Bearer …`). Each item is answered on its own, in the order sent: recorded,
    or refused with a code and the reason. A sample number not known, or not in the token's
    jurisdiction, answers `unknown_sample` alike."""
    require(request, CasesPerm.RECORD_RESULT)
    answers = actions.results_by_number(
        actor=user_of(request),
        items=[item.model_dump() for item in payload.items],
    )
    items = [
        {"index": i, "status": a["status"], "code": a["code"], "message": a["message"]}
        for i, a in enumerate(answers)
    ]
    recorded = sum(1 for a in answers if a["status"] == "recorded")
    return {"recorded": recorded, "refused": len(answers) - recorded, "items": items}
