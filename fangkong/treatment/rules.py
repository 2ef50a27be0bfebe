"""Where a patient goes (四集中): the rule of the bed a case needs, in one place.

- A suspected case is isolated where found and admitted to the nearest fever clinic or
  designated hospital with a free isolation bed (就地隔离、就近收治).
- A confirmed case goes to a designated hospital (集中收治); a severe or critical one to ICU
  capacity; a mild one, or an asymptomatic infection, may go to a makeshift hospital (方舱医院)
  when the province's policy allows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import Category, Severity
from fangkong.medical.choices import BedType, FacilityKind


@dataclass(frozen=True)
class Need:
    """The bed a case needs: acceptable bed types (the first is the one an allocation plans
    for) in facilities of these kinds, and why, for the user."""

    bed_types: tuple[str, ...]
    kinds: frozenset[str]
    reason: str

    @property
    def bed_type(self) -> str:
        return self.bed_types[0]


ISOLATION = (BedType.ISOLATION_WARD.value, BedType.NEGATIVE_PRESSURE.value)
DESIGNATED = frozenset({FacilityKind.DESIGNATED_HOSPITAL.value})


def need_of(category: str, severity: str, *, mild_to_makeshift: bool) -> Need | None:
    """The bed for a case of ``category`` and ``severity``; None when it needs none (an
    excluded case)."""
    if category == Category.SUSPECTED:
        return Need(
            ISOLATION,
            frozenset({FacilityKind.FEVER_CLINIC.value, FacilityKind.DESIGNATED_HOSPITAL.value}),
            str(_("a suspected case: the nearest isolation bed (就近收治)")),
        )
    if category not in (Category.CONFIRMED, Category.ASYMPTOMATIC):
        return None
    if severity in (Severity.SEVERE, Severity.CRITICAL):
        return Need(
            (BedType.ICU.value,),
            DESIGNATED,
            str(_("a severe or critical case: ICU of a designated hospital")),
        )
    mild = category == Category.ASYMPTOMATIC or severity == Severity.MILD
    if mild and mild_to_makeshift:
        return Need(
            (BedType.ISOLATION_WARD.value,),
            DESIGNATED | {FacilityKind.MAKESHIFT_HOSPITAL.value},
            str(_("a mild case: a designated or makeshift hospital (方舱医院)")),
        )
    return Need(ISOLATION, DESIGNATED, str(_("a confirmed case: a designated hospital (集中收治)")))
