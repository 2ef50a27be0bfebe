"""Reads of cases: the list with its filters (keyset-paged), the 2-hour clock, the suspected
cases awaiting results, and what the case page says about each step of the course (open, or
refused with the rule's reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.cases import rules
from fangkong.cases.choices import CaseOutcome, Category, Result, SampleType, Severity
from fangkong.cases.models import Case, CaseEvent, Sample
from fangkong.core.errors import ActionError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.regions.models import Division

LIST_RELATED = ("person", "county", "responsible_facility")
OPEN = (CaseOutcome.ISOLATED, CaseOutcome.ADMITTED)


@dataclass
class Filters:
    within: Division | None = None  # the county (or any division) of the current address
    category: str = ""
    outcome: str = ""
    import_status: str = ""
    overdue: bool = False
    awaiting: bool = False  # open suspected cases with a sample whose result is not in
    q: str = ""  # a case number, or its beginning


@dataclass
class Page:
    items: Sequence[Case]
    next_after: int | None


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Past the 2-hour clock: not reported to the national system and due before now."""
    return Q(national_reported_at__isnull=True, report_due_at__lt=now or timezone.now())


def cases_for(
    user: User | AnonymousUser, filters: Filters, *, now: dt.datetime | None = None
) -> QuerySet[Case]:
    """The cases the user sees (by the address or by the reporting clinic), filtered."""
    qs: QuerySet[Case] = Case.objects.visible_to(user)
    if filters.within is not None:
        qs = qs.filter(division_path__startswith=filters.within.path)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.import_status:
        qs = qs.filter(import_status=filters.import_status)
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    if filters.awaiting:
        qs = qs.filter(awaiting_q())
    if filters.q:
        qs = qs.filter(number__startswith=filters.q.strip().upper())
    return qs


def page(qs: QuerySet[Case], *, after: int | None, size: int) -> Page:
    """Newest first by id; ``after`` is the last id of the previous page. One query."""
    qs = qs.select_related(*LIST_RELATED).order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def overdue_cases(user: User | AnonymousUser, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Cases past the 2-hour clock in the user's jurisdiction (the workbench's first item)."""
    return Case.objects.visible_to(user).filter(overdue_q(now))


def awaiting_q() -> Q:
    """Open suspected cases waiting for a laboratory: with a sample whose result is not in
    yet, or with no sample at all (one is to be taken). The one definition of the workbenches
    (health commission, county, fever clinic) and the list's filter."""
    pending = Sample.objects.filter(case=OuterRef("pk"), result=Result.PENDING)
    any_sample = Sample.objects.filter(case=OuterRef("pk"))
    return Q(category=Category.SUSPECTED, outcome__in=OPEN) & (
        Q(Exists(pending)) | ~Q(Exists(any_sample))
    )


def awaiting_results(user: User | AnonymousUser) -> QuerySet[Case]:
    """Open suspected cases with a sample whose result is not in yet (the workbench)."""
    return Case.objects.visible_to(user).filter(awaiting_q())


# --- the case page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The 2-hour clock of one case, as the page shows it."""

    due_at: dt.datetime
    reported_at: dt.datetime | None
    minutes: int | None  # diagnosis to report
    overdue: bool  # past due and not reported
    late: bool  # reported, but after the due time
    overdue_minutes: int  # how long past due, while unreported


def clock(case: Case, now: dt.datetime | None = None) -> Clock:
    now = now or timezone.now()
    reported = case.national_reported_at
    overdue = reported is None and case.report_due_at < now
    late = reported is not None and reported > case.report_due_at
    past = int((now - case.report_due_at).total_seconds() // 60) if overdue else 0
    return Clock(case.report_due_at, reported, case.report_minutes(), overdue, late, past)


@dataclass
class Step:
    """One step of the course on the case page: whether the rule allows it now, and why not."""

    name: str
    label: str
    allowed: bool
    reason: str = ""
    perm: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def _probe(check: Any, *args: Any) -> tuple[bool, str]:
    try:
        check(*args)
    except ActionError as exc:
        return False, exc.message
    return True, ""


def facts_of(samples: Sequence[Sample]) -> list[rules.SampleFact]:
    return [rules.SampleFact(s.sampled_at, s.method, s.result) for s in samples]


def steps(case: Case, samples: Sequence[Sample], today: dt.date | None = None) -> list[Step]:
    """Each transition of the course with what its rule says now: the page shows every one,
    open or with the reason it would be refused (so that a doctor sees what is missing).
    Steps that need the doctor's input (a date, the discharge criteria) are probed with
    what the case already says; the action checks again with what is entered."""
    from fangkong.cases.permissions import CasesPerm

    today = today or timezone.localdate()
    facts = facts_of(samples)
    cat, out = case.category, case.outcome
    result: list[Step] = []

    def add(name: str, label: str, perm: str, verdict: tuple[bool, str]) -> None:
        result.append(Step(name, label, verdict[0], verdict[1], perm))

    add(
        "confirm",
        _("Confirm"),
        CasesPerm.CHANGE_CATEGORY,
        _probe(rules.check_confirm, cat, out, facts),
    )
    add(
        "asymptomatic",
        _("Reclassify as asymptomatic infection"),
        CasesPerm.CHANGE_CATEGORY,
        _probe(rules.check_asymptomatic, cat, out, facts),
    )
    # the onset date is entered in the form: probe with today, which the rule accepts
    add(
        "onset",
        _("Symptoms began: confirm"),
        CasesPerm.CHANGE_CATEGORY,
        _probe(rules.check_symptoms_onset, cat, out, today, case.diagnosed_at, today),
    )
    add(
        "exclude",
        _("Exclude"),
        CasesPerm.CHANGE_CATEGORY,
        _probe(rules.check_exclude, cat, out, facts),
    )
    # discharge: category and course decide here; the four criteria are the checklist
    verdict = _probe(
        rules.check_discharge,
        cat,
        out,
        rules.DischargeFacts(today - dt.timedelta(days=30), True, True),
        facts,
        today,
    )
    add("discharge", _("Discharge"), CasesPerm.CLOSE_CASE, verdict)
    add(
        "death",
        _("Record death"),
        CasesPerm.CLOSE_CASE,
        _probe(rules.check_death, cat, out, today, case.diagnosed_at, today),
    )
    reported = case.national_reported_at
    add(
        "national_report",
        _("Mark reported to the national system"),
        CasesPerm.MARK_REPORTED,
        (
            (True, "")
            if reported is None
            else (
                False,
                _("Already reported at %(at)s.")
                % {"at": timezone.localtime(reported).strftime("%Y-%m-%d %H:%M")},
            )
        ),
    )
    return result


def discharge_checklist(
    samples: Sequence[Sample],
    *,
    normal_since: dt.date | None = None,
    symptoms_better: bool = False,
    imaging_improved: bool = False,
    today: dt.date | None = None,
) -> list[tuple[str, bool]]:
    """The four discharge criteria with whether each is met. The results come from the
    samples; the other three from what the doctor enters (unmet until entered)."""
    facts = rules.DischargeFacts(normal_since, symptoms_better, imaging_improved)
    return rules.discharge_criteria(facts, facts_of(samples), today or timezone.localdate())


EVENT_LABELS = {
    "reported": gettext_lazy("reported"),
    "confirmed": gettext_lazy("confirmed"),
    "asymptomatic": gettext_lazy("reclassified as asymptomatic infection"),
    "excluded": gettext_lazy("excluded"),
    "discharged": gettext_lazy("discharged"),
    "observation": gettext_lazy("observation after discharge"),
    "died": gettext_lazy("died"),
    "national_report": gettext_lazy("reported to the national system"),
    "sample": gettext_lazy("sample taken"),
    "result": gettext_lazy("result"),
    "transferred": gettext_lazy("transferred"),
    "severity": gettext_lazy("clinical severity changed"),
    "responsible": gettext_lazy("accepted by a facility, now responsible"),
    "admitted": gettext_lazy("admitted"),
}


def events_of(case: Case) -> list[CaseEvent]:
    """The case's course, oldest first, each with its label."""
    events = list(case.events.select_related("actor").order_by("at", "id"))
    for e in events:
        e.label = EVENT_LABELS.get(e.kind, e.kind)  # type: ignore[attr-defined]
        e.detail = detail_words(e.detail)
    return events


def detail_words(detail: str) -> str:
    """An event's detail is stored as codes and dates (the same in every language); shown, each
    code that names a category, a severity, a sample type or a result is given in words."""
    words = {
        value: str(label)
        for choices in (Category, Severity, SampleType, Result)
        for value, label in choices.choices
    }
    return " ".join(words.get(token, token) for token in detail.split(" "))


def samples_of(case: Case) -> list[Sample]:
    return list(Sample.objects.filter(case=case).order_by("sampled_at", "id"))


def sample_visible(user: User | AnonymousUser, pk: int) -> Sample | None:
    """A sample of a case the user sees (by either side of the case)."""
    return (
        Sample.objects.filter(pk=pk, case__in=Case.objects.visible_to(user))
        .select_related("case")
        .first()
    )
