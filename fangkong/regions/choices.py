from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    PREFECTURE = 2, _("prefecture")
    COUNTY = 3, _("county")
    TOWNSHIP = 4, _("township")
    VILLAGE = 5, _("village")
    GRID = 6, _("grid")


# Length of a division's own code segment in the materialized path, by level.
SEGMENT_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12, 6: 15}


class Kind(models.TextChoices):
    STATISTICAL = "statistical", _("statistical division")
    ZONE = "zone", _("management zone")
    GRID = "grid", _("grid")


class StaffKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    PARTY_MEMBER = "party_member", _("party member")
    VOLUNTEER = "volunteer", _("volunteer")
