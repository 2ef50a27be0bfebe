"""The terms of admission and transfer (收治与转运)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

ACCEPT_HOURS = 2  # an order the receiver has not answered in 2 h is on the orderer's to-do list


class OrderKind(models.TextChoices):
    ADMISSION = "admission", _("admission")
    TRANSFER_UP = "transfer_up", _("transfer up (worsening)")
    TRANSFER_DOWN = "transfer_down", _("transfer down (recovering)")


class OrderState(models.TextChoices):
    REQUESTED = "requested", _("waiting for the receiver")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    CANCELLED = "cancelled", _("cancelled")
    ARRIVED = "arrived", _("arrived, in the bed")


OPEN_STATES = (OrderState.REQUESTED, OrderState.ACCEPTED)


class Transport(models.TextChoices):
    REQUESTED = "requested", _("vehicle requested")
    DISPATCHED = "dispatched", _("vehicle dispatched")
    ON_THE_WAY = "on_the_way", _("on the way")
    ARRIVED = "arrived", _("arrived")


TRANSPORT_ORDER = [t.value for t in Transport]


class StayEnd(models.TextChoices):
    TRANSFERRED = "transferred", _("transferred")
    DISCHARGED = "discharged", _("discharged")
    DIED = "died", _("died")
    EXCLUDED = "excluded", _("excluded, released")


class PlanState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    CONFIRMED = "confirmed", _("confirmed, orders issued")
    DISCARDED = "discarded", _("discarded")
