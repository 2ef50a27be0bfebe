from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    FEVER_CLINIC = "fever_clinic", _("fever clinic")
    DESIGNATED_HOSPITAL = "designated_hospital", _("designated hospital")
    MAKESHIFT_HOSPITAL = "makeshift_hospital", _("makeshift hospital")
    ISOLATION_SITE = "isolation_site", _("centralized isolation site")
    LABORATORY = "laboratory", _("laboratory")
