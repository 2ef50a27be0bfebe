"""The person and health terms every module shares: documents, sex, a person's status, what a
fever is, the temperature a body can have, symptoms and how long an observation lasts. They
live here, in the lowest app, once; screening, observation and checkpoints import them."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

FEVER_AT = Decimal("37.3")  # ℃: a temperature at or above this is a fever (DESIGN.md section 4)
TEMPERATURE_MIN = Decimal("35.0")  # ℃: a body temperature outside 35.0–42.0 is a typing error
TEMPERATURE_MAX = Decimal("42.0")
OBSERVATION_DAYS = 14  # medical observation lasts 14 days from the last exposure


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


class Symptom(models.TextChoices):
    FEVER = "fever", _("fever")
    DRY_COUGH = "dry_cough", _("dry cough")
    FATIGUE = "fatigue", _("fatigue")
    SORE_THROAT = "sore_throat", _("sore throat")
    SHORT_BREATH = "short_breath", _("shortness of breath")
    DIARRHOEA = "diarrhoea", _("diarrhoea")
    MUSCLE_ACHE = "muscle_ache", _("muscle ache")
    TASTE_SMELL = "taste_smell", _("loss of taste or smell")
    NASAL_CONGESTION = "nasal_congestion", _("nasal congestion")
    CONJUNCTIVITIS = "conjunctivitis", _("conjunctivitis")
