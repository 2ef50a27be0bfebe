from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    FEVER_CLINIC = "fever_clinic", _("fever clinic")
    DESIGNATED_HOSPITAL = "designated_hospital", _("designated hospital")
    MAKESHIFT_HOSPITAL = "makeshift_hospital", _("makeshift hospital")
    ISOLATION_SITE = "isolation_site", _("centralized isolation site")
    LABORATORY = "laboratory", _("laboratory")


class FacilityLevel(models.TextChoices):
    """The hospital grade (医院等级) of the national grading; none for sites that are no
    hospital (an isolation hotel, a makeshift hospital in a sports hall)."""

    TERTIARY = "tertiary", _("tertiary (三级)")
    SECONDARY = "secondary", _("secondary (二级)")
    PRIMARY = "primary", _("primary (一级)")
    NONE = "none", _("not graded")


class BedType(models.TextChoices):
    """The kinds of bed the notice's four concentrations count (集中资源)."""

    ISOLATION_WARD = "isolation_ward", _("isolation ward bed")
    NEGATIVE_PRESSURE = "negative_pressure", _("negative-pressure bed")
    ICU = "icu", _("ICU bed")
    OBSERVATION = "observation", _("isolation room for observation")


# Which kinds of facility hold which bed types (a ward of another type is refused).
BED_TYPES_BY_KIND: dict[str, tuple[str, ...]] = {
    FacilityKind.FEVER_CLINIC: (BedType.ISOLATION_WARD, BedType.OBSERVATION),
    FacilityKind.DESIGNATED_HOSPITAL: (
        BedType.ISOLATION_WARD,
        BedType.NEGATIVE_PRESSURE,
        BedType.ICU,
    ),
    FacilityKind.MAKESHIFT_HOSPITAL: (BedType.ISOLATION_WARD,),
    FacilityKind.ISOLATION_SITE: (BedType.OBSERVATION,),
    FacilityKind.LABORATORY: (),
}
