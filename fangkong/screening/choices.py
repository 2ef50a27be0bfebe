from django.db import models
from django.utils.translation import gettext_lazy as _

# The health terms (fever threshold, temperature bounds, symptoms, observation length) are
# the people app's: fangkong.people.choices.


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


class Transport(models.TextChoices):
    TRAIN = "train", _("train")
    FLIGHT = "flight", _("flight")
    COACH = "coach", _("long-distance coach")
    CAR = "car", _("own car")
    OTHER = "other", _("other")
