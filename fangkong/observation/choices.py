from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    HOME = "home", _("home medical observation")
    CENTRALIZED = "centralized", _("centralized medical observation")


class Status(models.TextChoices):
    ACTIVE = "active", _("under observation")
    RELEASED = "released", _("released")
    REFERRED = "referred", _("referred to a fever clinic")
    CASE = "case", _("transferred to a case")


class Source(models.TextChoices):
    """Who entered a check-in."""

    WORKER = "worker", _("grid worker")
    SELF = "self", _("the person, by their link")
    API = "api", _("API")
