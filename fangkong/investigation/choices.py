"""The terms of the epidemiological investigation (流调)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

LOOKBACK_DAYS = 14  # movements are recorded from 14 days before onset (or the sample date)


class MovementTransport(models.TextChoices):
    WALK = "walk", _("on foot")
    CAR = "car", _("own car")
    TAXI = "taxi", _("taxi or ride-hailing")
    BUS = "bus", _("bus")
    METRO = "metro", _("metro")
    TRAIN = "train", _("train")
    FLIGHT = "flight", _("flight")
    COACH = "coach", _("long-distance coach")
    OTHER = "other", _("other")


class Protection(models.TextChoices):
    NONE = "none", _("no mask")
    SURGICAL = "surgical", _("surgical mask")
    N95 = "n95", _("N95 or better")
    FULL = "full", _("full protective equipment")


class PlaceKind(models.TextChoices):
    HOME = "home", _("home")
    MARKET = "market", _("market")
    SUPERMARKET = "supermarket", _("supermarket or shop")
    RESTAURANT = "restaurant", _("restaurant")
    WORKPLACE = "workplace", _("workplace")
    HOSPITAL = "hospital", _("hospital or clinic")
    STATION = "station", _("station or airport")
    VEHICLE = "vehicle", _("vehicle")
    ENTERTAINMENT = "entertainment", _("entertainment venue")
    RELIGIOUS = "religious", _("religious site")
    OTHER = "other", _("other")


class SourceKind(models.TextChoices):
    CASE = "case", _("a known case")
    PLACE = "place", _("a place")
    KEY_AREA = "key_area", _("travel from a key area")
    UNKNOWN = "unknown", _("unknown")


class InvestigationStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    COMPLETE = "complete", _("complete")
