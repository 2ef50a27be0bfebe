from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteKind(models.TextChoices):
    """What a checkpoint (卡口) controls: a provincial border crossing, the fringe between a city
    and the countryside, or a station (train, bus, airport)."""

    PROVINCIAL_BORDER = "provincial_border", _("provincial border")
    URBAN_FRINGE = "urban_fringe", _("city-rural fringe")
    TRAIN_STATION = "train_station", _("station: train")
    BUS_STATION = "bus_station", _("station: bus")
    AIRPORT = "airport", _("station: airport")


STATION_KINDS = {SiteKind.TRAIN_STATION, SiteKind.BUS_STATION, SiteKind.AIRPORT}


class Direction(models.TextChoices):
    IN = "in", _("in")
    OUT = "out", _("out")


class FlagReason(models.TextChoices):
    KEY_AREA = "key_area", _("from a key area")
    FEVER = "fever", _("fever")


class Source(models.TextChoices):
    """How a passage reached the platform."""

    WEB = "web", _("web form")
    API = "api", _("terminal")
    BATCH = "batch", _("terminal batch")
    SYSTEM = "system", _("system")


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("to do")
    HANDLED = "handled", _("handled")


class HandoverOutcome(models.TextChoices):
    """What the destination grid found when it followed a flagged traveller up. (Named so in the
    OpenAPI description, apart from the screening's ``Outcome``; ``Outcome`` stays an alias.)"""

    VISITED = "visited", _("visited, no further action")
    SCREENED = "screened", _("screened and registered")
    OBSERVATION = "observation", _("placed under medical observation")
    REFERRED = "referred", _("referred to a fever clinic")
    NOT_FOUND = "not_found", _("not found at the destination")
    LEFT = "left", _("has left the area")


Outcome = HandoverOutcome
