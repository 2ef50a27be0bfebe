from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.care.choices import CareKind


class StaffRole(models.TextChoices):
    DOCTOR = "doctor", _("doctor")
    NURSE = "nurse", _("nurse")
    TECHNICIAN = "technician", _("medical technician")
    OTHER = "other", _("other staff")


class ShiftKind(models.TextChoices):
    """The shifts of a day (白班、小夜班、大夜班). A day without a shift is a day off."""

    DAY = "day", _("day shift")
    EVENING = "evening", _("evening shift")
    NIGHT = "night", _("night shift")


class ExposureKind(models.TextChoices):
    """Occupational exposures (职业暴露) that put a health worker under observation."""

    NEEDLESTICK = "needlestick", _("needlestick or sharps injury")
    SPLASH = "splash", _("splash of blood or secretions")
    PPE_BREACH = "ppe_breach", _("breach of protective equipment")
    UNPROTECTED = "unprotected", _("unprotected contact with a case")
    OTHER = "other", _("other exposure")


class FamilyCareKind(models.TextChoices):
    """What a health worker's family needs while they are in the ward (家属关爱)."""

    CHILDCARE = "childcare", _("childcare")
    ELDERLY = "elderly", _("elderly parents")
    TRANSPORT = "transport", _("transport")
    DAILY_NEEDS = "daily_needs", _("food and daily needs")
    MEDICINE = "medicine", _("medicine")


# The care request kind each family need is routed as (care has no kind of its own for
# childcare or transport: the nearest is used, docs/medical_staff.md).
CARE_KIND_FOR: dict[str, str] = {
    FamilyCareKind.CHILDCARE: CareKind.CHILDREN_ALONE,
    FamilyCareKind.ELDERLY: CareKind.ELDERLY_ALONE,
    FamilyCareKind.TRANSPORT: CareKind.OTHER,
    FamilyCareKind.DAILY_NEEDS: CareKind.FOOD,
    FamilyCareKind.MEDICINE: CareKind.MEDICINE,
}

# The 2020 practice: 14 days in the isolation ward, then 14 days of rest (隔离休整).
DEFAULT_MAX_DAYS = 14
DEFAULT_REST_DAYS = 14
# Bounds of a province's rule, and of a roster saved at once.
MAX_RULE_DAYS = 60
MAX_ROSTER_DAYS = 31
# "Due for rotation": the current run reaches the maximum within this many days.
DUE_WITHIN_DAYS = 7
