from django.db import models
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident ID card")
    PASSPORT = "passport", _("passport")
    HK_MACAO = "hk_macao", _("Hong Kong/Macao travel permit")
    TAIWAN = "taiwan", _("Taiwan travel permit")
    OTHER = "other", _("other document")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")
    UNKNOWN = "U", _("unknown")


class PersonStatus(models.TextChoices):
    """Where a person stands today; kept by the actions of the screening modules."""

    NORMAL = "normal", _("normal")
    HOME_OBSERVATION = "home_observation", _("home medical observation")
    CENTRAL_OBSERVATION = "central_observation", _("centralized medical observation")
    REFERRED = "referred", _("referred to a fever clinic")
    CASE = "case", _("case")


class RevealReason(models.TextChoices):
    """Why someone opens a full ID number and phone; written to the audit log with the view."""

    CONTACT = "contact", _("to contact the person")
    VERIFY = "verify", _("to verify their identity")
    REFERRAL = "referral", _("for a referral or transfer")
    REPORT = "report", _("for a report to the health authorities")
