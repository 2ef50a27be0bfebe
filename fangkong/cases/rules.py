"""The rules of a case's course (DESIGN.md section 4), as pure functions over the facts: each
returns nothing when the step is allowed and raises :class:`ActionError` with the reason, in
words a doctor reads, when it is not. ``cases/actions.py`` calls them inside its transaction;
the case page calls them to say beforehand which steps are open and why the others are not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import (
    DISCHARGE_NORMAL_DAYS,
    NEGATIVE_GAP_HOURS,
    CaseOutcome,
    Category,
    Method,
    Result,
)
from fangkong.core.errors import ActionError

GAP = dt.timedelta(hours=NEGATIVE_GAP_HOURS)


@dataclass(frozen=True)
class SampleFact:
    """What the rules read of a sample: when it was taken, by which method, with what result."""

    sampled_at: dt.datetime
    method: str
    result: str


def _pcr(samples: Sequence[SampleFact], result: str) -> list[dt.datetime]:
    return sorted(s.sampled_at for s in samples if s.method == Method.PCR and s.result == result)


def two_negatives_apart(times: Sequence[dt.datetime]) -> bool:
    """Two negative samples taken at least 24 h apart (the first and the last suffice)."""
    return len(times) >= 2 and times[-1] - times[0] >= GAP


def _negatives_after_last_positive(samples: Sequence[SampleFact]) -> list[dt.datetime]:
    positives = _pcr(samples, Result.POSITIVE)
    negatives = _pcr(samples, Result.NEGATIVE)
    if positives:
        negatives = [t for t in negatives if t > positives[-1]]
    return negatives


def _need_category(category: str, allowed: Sequence[str], step: str) -> None:
    if category not in allowed:
        raise ActionError(
            _("A case that is %(category)s cannot be %(step)s.")
            % {"category": Category(category).label, "step": step},
            code="wrong_category",
        )


def _need_open(outcome: str) -> None:
    if outcome not in (CaseOutcome.ISOLATED, CaseOutcome.ADMITTED):
        raise ActionError(
            _("This case is already closed (%(outcome)s).")
            % {"outcome": CaseOutcome(outcome).label},
            code="case_closed",
        )


def _day_of(moment: dt.datetime) -> dt.date:
    """The local calendar day of a moment (Asia/Shanghai): between midnight and 08:00 Beijing
    time the UTC date is still the day before."""
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def check_onset(onset: dt.date | None, diagnosed_at: dt.datetime) -> None:
    """The onset of symptoms cannot come after the diagnosis."""
    if onset is not None and onset > _day_of(diagnosed_at):
        raise ActionError(
            _("The onset date %(onset)s is after the diagnosis (%(diagnosed)s).")
            % {"onset": onset.isoformat(), "diagnosed": _day_of(diagnosed_at).isoformat()},
            code="onset_after_diagnosis",
            field="onset_date",
        )


def check_confirm(category: str, outcome: str, samples: Sequence[SampleFact]) -> None:
    """A suspected case is confirmed on a positive nucleic acid result."""
    _need_category(category, (Category.SUSPECTED,), _("confirmed"))
    _need_open(outcome)
    if not _pcr(samples, Result.POSITIVE):
        raise ActionError(
            _("Confirmation needs a positive nucleic acid result; this case has none."),
            code="no_positive_result",
        )


def check_asymptomatic(category: str, outcome: str, samples: Sequence[SampleFact]) -> None:
    """A suspected case with a positive result and no symptoms is an asymptomatic infection."""
    _need_category(category, (Category.SUSPECTED,), _("reclassified as asymptomatic"))
    _need_open(outcome)
    if not _pcr(samples, Result.POSITIVE):
        raise ActionError(
            _(
                "An asymptomatic infection needs a positive nucleic acid result; "
                "this case has none."
            ),
            code="no_positive_result",
        )


def check_exclude(category: str, outcome: str, samples: Sequence[SampleFact]) -> None:
    """A suspected case is excluded on two negative results sampled at least 24 h apart, and
    no positive one."""
    _need_category(category, (Category.SUSPECTED,), _("excluded"))
    _need_open(outcome)
    if _pcr(samples, Result.POSITIVE):
        raise ActionError(
            _("This case has a positive nucleic acid result: confirm it instead."),
            code="has_positive_result",
        )
    negatives = _pcr(samples, Result.NEGATIVE)
    if not two_negatives_apart(negatives):
        if len(negatives) < 2:
            message = _(
                "Exclusion needs two negative nucleic acid results; this case has %(n)d."
            ) % {"n": len(negatives)}
        else:
            hours = (negatives[-1] - negatives[0]).total_seconds() / 3600
            message = _(
                "Exclusion needs two negative results sampled at least 24 hours apart; "
                "these were %(hours).0f hours apart."
            ) % {"hours": hours}
        raise ActionError(message, code="negatives_not_apart")


def check_symptoms_onset(
    category: str, outcome: str, onset: dt.date | None, diagnosed_at: dt.datetime, today: dt.date
) -> None:
    """An asymptomatic infection that develops symptoms becomes a confirmed case, with the date
    the symptoms began: on or after the diagnosis, and not in the future."""
    _need_category(category, (Category.ASYMPTOMATIC,), _("confirmed on symptoms"))
    _need_open(outcome)
    if onset is None:
        raise ActionError(
            _("Enter the date the symptoms began."), code="onset_required", field="onset_date"
        )
    if onset < _day_of(diagnosed_at) or onset > today:
        raise ActionError(
            _("The onset date must lie between the diagnosis (%(diagnosed)s) and today.")
            % {"diagnosed": _day_of(diagnosed_at).isoformat()},
            code="bad_onset",
            field="onset_date",
        )


@dataclass(frozen=True)
class DischargeFacts:
    normal_since: dt.date | None  # temperature normal since this day
    symptoms_better: bool
    imaging_improved: bool


def discharge_criteria(
    facts: DischargeFacts, samples: Sequence[SampleFact], today: dt.date
) -> list[tuple[str, bool]]:
    """The four discharge criteria, each with whether it is met (for the case page)."""
    normal = (
        facts.normal_since is not None and (today - facts.normal_since).days > DISCHARGE_NORMAL_DAYS
    )
    negatives = two_negatives_apart(_negatives_after_last_positive(samples))
    return [
        (_("temperature normal for more than 3 days"), normal),
        (_("respiratory symptoms clearly better"), facts.symptoms_better),
        (_("lung imaging clearly improved"), facts.imaging_improved),
        (_("two negative nucleic acid results at least 24 hours apart"), negatives),
    ]


def check_discharge(
    category: str,
    outcome: str,
    facts: DischargeFacts,
    samples: Sequence[SampleFact],
    today: dt.date,
) -> None:
    """Discharge needs all four criteria; a suspected case is excluded, not discharged."""
    _need_category(category, (Category.CONFIRMED, Category.ASYMPTOMATIC), _("discharged"))
    _need_open(outcome)
    missing = [label for label, met in discharge_criteria(facts, samples, today) if not met]
    if missing:
        raise ActionError(
            _("Discharge criteria not met: %(missing)s.") % {"missing": "；".join(missing)},
            code="discharge_criteria",
        )


def check_death(
    category: str, outcome: str, died_on: dt.date | None, diagnosed_at: dt.datetime, today: dt.date
) -> None:
    _need_category(
        category, (Category.CONFIRMED, Category.SUSPECTED, Category.ASYMPTOMATIC), _("closed")
    )
    _need_open(outcome)
    if died_on is None:
        raise ActionError(_("Enter the date of death."), code="date_required", field="died_on")
    if died_on < _day_of(diagnosed_at) or died_on > today:
        raise ActionError(
            _("The date of death must lie between the diagnosis (%(diagnosed)s) and today.")
            % {"diagnosed": _day_of(diagnosed_at).isoformat()},
            code="bad_date",
            field="died_on",
        )
