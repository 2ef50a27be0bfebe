from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

FEVER_AT = Decimal("37.3")  # ℃: a temperature at or above this is a fever (DESIGN.md section 4)
TEMPERATURE_MIN = Decimal("35.0")
TEMPERATURE_MAX = Decimal("42.0")
OBSERVATION_DAYS = 14  # medical observation lasts 14 days from the last exposure


class Outcome(models.TextChoices):
    """What a screening concludes; :func:`fangkong.screening.rules.assess` decides it."""

    NO_RISK = "no_risk", _("no risk")
    HOME_OBSERVATION = "home_observation", _("home medical observation")
    FEVER_CLINIC = "fever_clinic", _("referral to a fever clinic")


class Contact(models.TextChoices):
    NONE = "none", _("no contact")
    CONFIRMED = "confirmed", _("a confirmed case")
    SUSPECTED = "suspected", _("a suspected case")
    KEY_AREA = "key_area", _("a person from a key area")
    FEVER = "fever", _("a fever patient")


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


class Transport(models.TextChoices):
    TRAIN = "train", _("train")
    FLIGHT = "flight", _("flight")
    COACH = "coach", _("long-distance coach")
    CAR = "car", _("own car")
    OTHER = "other", _("other")
