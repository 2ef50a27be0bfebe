"""Every write to cases and samples: report, the steps of a case's course, the report to the
national system, samples and their results. Each checks its rule (``cases/rules.py``), runs in
one transaction, records a :class:`CaseEvent` and an audit row, and refuses with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.cases import rules
from fangkong.cases.choices import (
    NATIONAL_REPORT_HOURS,
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
from fangkong.core.discovery import collect
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import clean_prose
from fangkong.medical.choices import FacilityKind
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.medical.models import Facility

REPORTING_KINDS = (
    FacilityKind.FEVER_CLINIC,
    FacilityKind.DESIGNATED_HOSPITAL,
    FacilityKind.MAKESHIFT_HOSPITAL,
)


def _choice(value: str, choices: Any, *, field: str, blank: bool = False) -> str:
    if blank and not value:
        return ""
    if value not in choices.values:
        raise ActionError(
            _("Choose one of the listed values for this field."), code=f"bad_{field}", field=field
        )
    return value


def county_of(division: Division) -> Division:
    """The county-level division (level 3) at or above ``division``; a case is counted there."""
    if division.level < Level.COUNTY:
        raise ActionError(
            _("Give the current address down to a county, township, village or grid."),
            code="address_too_coarse",
            field="address_division",
        )
    parts = division.path.strip("/").split("/")
    return Division.objects.get(path="/".join(parts[: Level.COUNTY]) + "/")


def _event(case: Case, kind: str, actor: User | None, detail: str = "", at: Any = None) -> None:
    CaseEvent.objects.create(
        case=case, kind=kind, at=at or timezone.now(), detail=detail[:300], actor=actor
    )


def _audit(actor: User | None, action: str, case: Case, changes: dict[str, Any]) -> None:
    record(
        actor=actor,
        action=action,
        obj=case,
        division_path=case.division_path,
        changes=changes,
    )


def aware(value: dt.datetime, *, field: str) -> dt.datetime:
    """A moment sent without its time zone is refused, not compared (as at checkpoints)."""
    if value.tzinfo is None:
        raise ActionError(_("Give the time with its time zone."), code="naive_time", field=field)
    return value


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).get(pk=case.pk)


def sample_facts(case: Case) -> list[rules.SampleFact]:
    return [
        rules.SampleFact(s.sampled_at, s.method, s.result)
        for s in Sample.objects.filter(case_id=case.pk).only("sampled_at", "method", "result")
    ]


def case_reported_hooks() -> list[Any]:
    """The functions other apps run when a case is reported (their ``ON_CASE_REPORTED``):
    tracing links the new case to the contact it was (``tracing/registry.py``)."""
    return [hook for _app, hooks in collect("ON_CASE_REPORTED") for hook in hooks]


def case_closed_hooks() -> list[Any]:
    """The functions other apps run when a case leaves care (discharged, died, excluded): their
    ``ON_CASE_CLOSED``, called with ``(case, end, actor)`` where ``end`` is ``"discharged"``,
    ``"died"`` or ``"excluded"`` (treatment ends the stay and frees the bed)."""
    return [hook for _app, hooks in collect("ON_CASE_CLOSED") for hook in hooks]


def _closed(case: Case, end: str, actor: User | None) -> None:
    for hook in case_closed_hooks():
        hook(case, end, actor)


@transaction.atomic
def report_case(
    *,
    actor: User | None,
    person: Person,
    facility: Facility,
    category: str,
    address: str,
    address_division: Division,
    diagnosed_at: dt.datetime,
    reporting_doctor: str,
    onset_date: dt.date | None = None,
    occupation: str = Occupation.UNKNOWN,
    workplace: str = "",
    severity: str = "",
    import_status: str = Importation.LOCAL,
    origin: str = "",
    note: str = "",
) -> Case:
    """Report a case (传染病报告卡) from the facility that diagnosed it, which stays responsible
    for it. A suspected case is isolated on the spot (就地隔离) at the report. The 2-hour clock
    for the report to the national system starts at the diagnosis."""
    ensure_in_scope(actor, facility.division_path)
    if facility.kind not in REPORTING_KINDS or not facility.active:
        raise ActionError(
            _("Cases are reported by an open fever clinic or hospital."),
            code="bad_facility",
            field="facility",
        )
    category = _choice(category, Category, field="category")
    if category == Category.EXCLUDED:
        raise ActionError(
            _("A case is reported as suspected, confirmed or asymptomatic."),
            code="bad_category",
            field="category",
        )
    severity = _choice(severity, Severity, field="severity", blank=True)
    occupation = _choice(occupation or Occupation.UNKNOWN, Occupation, field="occupation")
    import_status = _choice(import_status, Importation, field="import_status")
    address = clean_prose(
        address, field="address", limit=200, required=_("Enter the current address.")
    )
    workplace = clean_prose(workplace, field="workplace", limit=100)
    doctor = clean_prose(
        reporting_doctor,
        field="reporting_doctor",
        limit=50,
        required=_("Enter the reporting doctor."),
    )
    origin = clean_prose(origin, field="origin", limit=100)
    note = clean_prose(note, field="note", limit=300)
    if import_status != Importation.LOCAL and not origin:
        raise ActionError(
            _("An imported case needs the place it came from."),
            code="origin_required",
            field="origin",
        )
    now = timezone.now()
    if diagnosed_at > now + dt.timedelta(minutes=5):
        raise ActionError(
            _("The diagnosis time cannot be in the future."),
            code="diagnosis_future",
            field="diagnosed_at",
        )
    if category == Category.ASYMPTOMATIC:
        if onset_date is not None:
            raise ActionError(
                _("An asymptomatic infection has no onset date."),
                code="onset_asymptomatic",
                field="onset_date",
            )
    elif onset_date is None:
        raise ActionError(
            _("Enter the date the symptoms began."), code="onset_required", field="onset_date"
        )
    rules.check_onset(onset_date, diagnosed_at)
    if category == Category.CONFIRMED and not severity:
        raise ActionError(
            _("Give the clinical severity of a confirmed case."),
            code="severity_required",
            field="severity",
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    if (
        Case.objects.filter(
            person__doc_type=person.doc_type,
            person__doc_number=person.doc_number,
            outcome__in=(CaseOutcome.ISOLATED, CaseOutcome.ADMITTED),
        )
        .exclude(category=Category.EXCLUDED)
        .exists()
    ):
        raise Conflict(
            _("This person already has an open case; update it instead of reporting another."),
            code="open_case_exists",
        )
    county = county_of(address_division)
    case = Case.objects.create(
        number=f"P{now:%Y%m%d%H%M%S%f}"[:20],  # replaced below once the id is known
        person=person,
        occupation=occupation,
        address=address,
        workplace=workplace,
        address_division=address_division,
        division_path=address_division.path,
        county=county,
        category=category,
        severity=severity,
        onset_date=onset_date,
        diagnosed_at=diagnosed_at,
        confirmed_at=diagnosed_at if category == Category.CONFIRMED else None,
        isolated_at=now,
        import_status=import_status,
        origin=origin,
        reporting_facility=facility,
        reporting_path=facility.division_path,
        reporting_doctor=doctor,
        responsible_facility=facility,
        report_due_at=diagnosed_at + dt.timedelta(hours=NATIONAL_REPORT_HOURS),
        note=note,
        created_by=actor,
    )
    case.number = f"{county.code[:6]}{diagnosed_at:%y%m%d}{case.pk % 100000:05d}"
    try:
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(number=case.number)
    except IntegrityError:
        case.number = f"{county.code[:6]}-{case.pk}"
        Case.objects.filter(pk=case.pk).update(number=case.number)
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.CASE, status_since=now)
    _event(case, "reported", actor, category)
    _audit(
        actor,
        "cases.report",
        case,
        {
            "category": [None, category],
            "county": [None, county.code],
            "facility": [None, facility.pk],
        },
    )
    for hook in case_reported_hooks():
        hook(case=case, actor=actor)
    return case


def _step(
    actor: User | None,
    case: Case,
    action: str,
    event: str,
    changes: dict[str, Any],
    detail: str = "",
) -> Case:
    updates = {k: v[1] for k, v in changes.items()}
    Case.objects.filter(pk=case.pk).update(**updates, updated_at=timezone.now())
    case.refresh_from_db()
    _event(case, event, actor, detail)
    _audit(
        actor,
        action,
        case,
        {
            k: [str(v[0]) if v[0] is not None else None, str(v[1]) if v[1] is not None else None]
            for k, v in changes.items()
        },
    )
    return case


@transaction.atomic
def confirm_case(*, actor: User | None, case: Case, severity: str) -> Case:
    """A suspected case becomes confirmed on a positive nucleic acid result."""
    case = _locked(case)
    _check_scope(actor, case)
    rules.check_confirm(case.category, case.outcome, sample_facts(case))
    severity = _choice(severity, Severity, field="severity")
    now = timezone.now()
    return _step(
        actor,
        case,
        "cases.confirm",
        "confirmed",
        {
            "category": (case.category, Category.CONFIRMED),
            "severity": (case.severity, severity),
            "confirmed_at": (case.confirmed_at, now),
        },
        severity,
    )


@transaction.atomic
def reclassify_asymptomatic(*, actor: User | None, case: Case) -> Case:
    """A suspected case with a positive result and no symptoms is an asymptomatic infection,
    reported separately (its onset date is cleared)."""
    case = _locked(case)
    _check_scope(actor, case)
    rules.check_asymptomatic(case.category, case.outcome, sample_facts(case))
    return _step(
        actor,
        case,
        "cases.asymptomatic",
        "asymptomatic",
        {"category": (case.category, Category.ASYMPTOMATIC), "onset_date": (case.onset_date, None)},
    )


@transaction.atomic
def confirm_on_symptoms(
    *, actor: User | None, case: Case, onset_date: dt.date | None, severity: str
) -> Case:
    """An asymptomatic infection that develops symptoms becomes a confirmed case, with the date
    its symptoms began."""
    case = _locked(case)
    _check_scope(actor, case)
    rules.check_symptoms_onset(
        case.category, case.outcome, onset_date, case.diagnosed_at, timezone.localdate()
    )
    severity = _choice(severity, Severity, field="severity")
    return _step(
        actor,
        case,
        "cases.symptomatic",
        "confirmed",
        {
            "category": (case.category, Category.CONFIRMED),
            "onset_date": (None, onset_date),
            "severity": (case.severity, severity),
            "confirmed_at": (case.confirmed_at, timezone.now()),
        },
        onset_date.isoformat() if onset_date else "",
    )


@transaction.atomic
def exclude_case(*, actor: User | None, case: Case, note: str = "") -> Case:
    """A suspected case is excluded on two negative results sampled at least 24 h apart."""
    case = _locked(case)
    _check_scope(actor, case)
    rules.check_exclude(case.category, case.outcome, sample_facts(case))
    note = clean_prose(note, field="note", limit=300)
    case = _step(
        actor,
        case,
        "cases.exclude",
        "excluded",
        {
            "category": (case.category, Category.EXCLUDED),
            "outcome": (case.outcome, CaseOutcome.CLOSED),
            "excluded_at": (None, timezone.now()),
        },
        note,
    )
    if not Case.objects.filter(
        person_id=case.person_id, outcome__in=(CaseOutcome.ISOLATED, CaseOutcome.ADMITTED)
    ).exists():
        Person.objects.filter(pk=case.person_id, status=PersonStatus.CASE).update(
            status=PersonStatus.NORMAL, status_since=timezone.now()
        )
    _closed(case, "excluded", actor)
    return case


@transaction.atomic
def discharge_case(
    *,
    actor: User | None,
    case: Case,
    normal_since: dt.date | None,
    symptoms_better: bool,
    imaging_improved: bool,
    grid: Division | None = None,
) -> Case:
    """Discharge on the four criteria, and 14 days of medical observation from the discharge
    (home observation in ``grid``, the person's grid by default)."""
    from fangkong.observation import actions as observation_actions
    from fangkong.observation.choices import Kind

    case = _locked(case)
    _check_scope(actor, case)
    today = timezone.localdate()
    facts = rules.DischargeFacts(normal_since, symptoms_better, imaging_improved)
    rules.check_discharge(case.category, case.outcome, facts, sample_facts(case), today)
    case = _step(
        actor,
        case,
        "cases.discharge",
        "discharged",
        {"outcome": (case.outcome, CaseOutcome.DISCHARGED), "discharged_on": (None, today)},
    )
    person = Person.objects.get(pk=case.person_id)
    Person.objects.filter(pk=person.pk).update(
        status=PersonStatus.NORMAL, status_since=timezone.now()
    )
    observation, _created = observation_actions.start_observation(
        actor=None,
        person=person,
        grid=grid or person.grid,
        last_exposure=today,
        reason=_("14 days of observation after discharge (case %(number)s)")
        % {"number": case.number},
        kind=Kind.HOME,
    )
    _event(case, "observation", actor, observation.last_day.isoformat())
    _closed(case, "discharged", actor)
    return case


@transaction.atomic
def record_death(
    *, actor: User | None, case: Case, died_on: dt.date | None, note: str = ""
) -> Case:
    case = _locked(case)
    _check_scope(actor, case)
    rules.check_death(case.category, case.outcome, died_on, case.diagnosed_at, timezone.localdate())
    note = clean_prose(note, field="note", limit=300)
    case = _step(
        actor,
        case,
        "cases.death",
        "died",
        {"outcome": (case.outcome, CaseOutcome.DIED), "died_on": (None, died_on)},
        note,
    )
    _closed(case, "died", actor)
    return case


@transaction.atomic
def change_severity(*, actor: User | None, case: Case, severity: str) -> Case:
    """The clinical severity of a confirmed case changed (it worsens or recovers)."""
    case = _locked(case)
    _check_scope(actor, case)
    severity = _choice(severity, Severity, field="severity")
    if case.category != Category.CONFIRMED or not case.is_open:
        raise ActionError(
            _("Only an open confirmed case has a clinical severity to change."),
            code="not_confirmed",
            field="severity",
        )
    if severity == case.severity:
        return case
    return _step(actor, case, "cases.severity", "severity", {"severity": (case.severity, severity)})


def record_treatment(
    *, actor: User | None, case: Case, facility: Facility, admitted: bool, detail: str = ""
) -> Case:
    """The treatment app's part of a case: the facility that accepted the patient becomes
    responsible for it (first diagnosis stays responsible until then), and on arrival the case is
    admitted. Called inside treatment's actions, which check the actor's side (the receiving
    facility may lie outside the patient's county)."""
    case = _locked(case)
    changes: dict[str, Any] = {}
    if case.responsible_facility_id != facility.pk:
        changes["responsible_facility"] = (case.responsible_facility, facility)
    treating = "" if facility.division_path == case.reporting_path else facility.division_path
    if case.treating_path != treating:
        changes["treating_path"] = (case.treating_path or None, treating)
        Sample.objects.filter(case=case).update(treating_path=treating)
    if admitted:
        if case.outcome != CaseOutcome.ADMITTED:
            changes["outcome"] = (case.outcome, CaseOutcome.ADMITTED)
        if case.isolated_at is None:
            changes["isolated_at"] = (None, timezone.now())
    if not changes:
        return case
    return _step(
        actor,
        case,
        "cases.admitted" if admitted else "cases.responsible",
        "admitted" if admitted else "responsible",
        changes,
        detail or facility.name,
    )


@transaction.atomic
def mark_reported(*, actor: User | None, case: Case, at: dt.datetime | None = None) -> Case:
    """Mark the case reported to the national system (网络直报); the time taken is kept."""
    case = _locked(case)
    _check_scope(actor, case)
    if case.national_reported_at is not None:
        raise Conflict(
            _("This case was already reported to the national system at %(at)s.")
            % {"at": timezone.localtime(case.national_reported_at).strftime("%Y-%m-%d %H:%M")},
            code="already_reported",
        )
    now = timezone.now()
    at = aware(at, field="at") if at else now
    if at > now + dt.timedelta(minutes=5) or at < case.diagnosed_at:
        raise ActionError(
            _("The report time must lie between the diagnosis and now."),
            code="bad_report_time",
            field="at",
        )
    case = _step(
        actor,
        case,
        "cases.national_report",
        "national_report",
        {"national_reported_at": (None, at)},
    )
    return case


def _reporter(actor: User | None, case: Case) -> bool:
    from fangkong.core.jurisdiction import path_in_scope

    return (
        actor is None
        or path_in_scope(actor, case.reporting_path)
        or bool(case.treating_path and path_in_scope(actor, case.treating_path))
    )


def _check_scope(actor: User | None, case: Case) -> None:
    """The county of the address, the reporting clinic's side and the facility treating the
    patient may all work the case."""
    if not _reporter(actor, case):
        ensure_in_scope(actor, case.division_path)


# --- samples and results ------------------------------------------------------------------


def _ct(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        ct = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        ct = None
    if ct is None or not ct.is_finite() or not Decimal(0) <= ct <= Decimal(50):
        raise ActionError(_("A Ct value is a number between 0 and 50."), code="bad_ct", field=field)
    return ct


@transaction.atomic
def add_sample(
    *,
    actor: User | None,
    case: Case,
    number: str,
    sample_type: str,
    sampled_at: dt.datetime,
    laboratory: str,
    method: str = Method.PCR,
) -> Sample:
    """Record a sample taken from a case, to be tested by ``laboratory``."""
    case = Case.objects.get(pk=case.pk)
    _check_scope(actor, case)
    number = clean_prose(number, field="number", limit=32, required=_("Enter the sample number."))
    sample_type = _choice(sample_type, SampleType, field="sample_type")
    method = _choice(method, Method, field="method")
    laboratory = clean_prose(
        laboratory, field="laboratory", limit=100, required=_("Enter the laboratory.")
    )
    if aware(sampled_at, field="sampled_at") > timezone.now() + dt.timedelta(minutes=5):
        raise ActionError(
            _("The sampling time cannot be in the future."),
            code="sample_future",
            field="sampled_at",
        )
    try:
        with transaction.atomic():
            sample = Sample.objects.create(
                number=number,
                person_id=case.person_id,
                case=case,
                division_path=case.division_path,
                reporting_path=case.reporting_path,
                treating_path=case.treating_path,
                sample_type=sample_type,
                sampled_at=sampled_at,
                laboratory=laboratory,
                method=method,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("A sample with the number %(number)s is already recorded.") % {"number": number},
            code="sample_exists",
            field="number",
        ) from exc
    _event(case, "sample", actor, f"{number} {sample_type}")
    record(
        actor=actor,
        action="cases.sample",
        obj=sample,
        division_path=case.division_path,
        changes={"number": [None, number], "case": [None, case.number]},
    )
    return sample


@transaction.atomic
def record_result(
    *,
    actor: User | None,
    sample: Sample,
    result: str,
    ct_orf1ab: Any = None,
    ct_n: Any = None,
    result_at: dt.datetime | None = None,
) -> Sample:
    """The laboratory's result of a sample (by a form, or by a laboratory's machine token
    through the API). A result once given is corrected only by another sample."""
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    ensure_in_scope(
        actor, sample.division_path
    ) if actor is not None and sample.case is None else None
    if sample.case is not None:
        _check_scope(actor, sample.case)
    result = _choice(result, Result, field="result")
    if result == Result.PENDING:
        raise ActionError(
            _("Give the result: positive, negative or inconclusive."),
            code="bad_result",
            field="result",
        )
    if sample.result != Result.PENDING:
        raise Conflict(
            _("Sample %(number)s already has its result (%(result)s).")
            % {"number": sample.number, "result": Result(sample.result).label},
            code="result_exists",
        )
    now = timezone.now()
    result_at = aware(result_at, field="result_at") if result_at else now
    if result_at < sample.sampled_at or result_at > now + dt.timedelta(minutes=5):
        raise ActionError(
            _("The result time must lie between the sampling and now."),
            code="bad_result_time",
            field="result_at",
        )
    orf, n = _ct(ct_orf1ab, "ct_orf1ab"), _ct(ct_n, "ct_n")
    Sample.objects.filter(pk=sample.pk).update(
        result=result, ct_orf1ab=orf, ct_n=n, result_at=result_at
    )
    sample.refresh_from_db()
    if sample.case is not None:
        _event(sample.case, "result", actor, f"{sample.number} {result}")
    record(
        actor=actor,
        action="cases.result",
        obj=sample,
        division_path=sample.division_path,
        changes={"result": [Result.PENDING, result]},
    )
    return sample


def results_by_number(
    *, actor: User | None, items: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A laboratory's batch of results by sample number: each answered on its own (recorded,
    or refused with the reason, e.g. an unknown sample); one refused result writes nothing for
    itself and does not stop the others. A number outside the caller's jurisdiction answers as
    unknown."""
    answers: list[dict[str, Any]] = []
    for item in items:
        number = str(item.get("number", ""))
        sample = (
            Sample.objects.visible_to(actor).filter(number=number).first()
            if actor
            else Sample.objects.filter(number=number).first()
        )
        if sample is None:
            answers.append(
                {
                    "number": number,
                    "status": "refused",
                    "code": "unknown_sample",
                    "message": _("No sample with this number."),
                }
            )
            continue
        try:
            record_result(
                actor=actor,
                sample=sample,
                result=item.get("result", ""),
                ct_orf1ab=item.get("ct_orf1ab"),
                ct_n=item.get("ct_n"),
                result_at=item.get("result_at"),
            )
        except ActionError as exc:
            answers.append(
                {"number": number, "status": "refused", "code": exc.code, "message": exc.message}
            )
        else:
            answers.append({"number": number, "status": "recorded", "code": "", "message": ""})
    return answers
