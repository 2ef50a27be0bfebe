from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemCategory(models.TextChoices):
    PROTECTIVE = "protective", _("protective equipment")
    DISINFECTION = "disinfection", _("disinfection")
    TESTING = "testing", _("testing")
    EQUIPMENT = "equipment", _("medical equipment")
    OTHER = "other", _("other")


class StoreKind(models.TextChoices):
    """A division's warehouse (the province's reserve, a city's or county's store) or the store
    of a medical facility (issue #10's facilities), which consumes what it holds."""

    WAREHOUSE = "warehouse", _("warehouse")
    FACILITY = "facility", _("facility store")


class MovementKind(models.TextChoices):
    """What moved stock. Receipts, transfers in, donations and positive adjustments add; issues,
    transfers out, consumption and negative adjustments take away (the sign is the quantity's)."""

    RECEIPT = "receipt", _("receipt")
    ISSUE = "issue", _("issue")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    TRANSFER_IN = "transfer_in", _("transfer in")
    ADJUSTMENT = "adjustment", _("adjustment")
    COUNT = "count", _("stock count difference")
    DONATION = "donation", _("donation received")
    CONSUMPTION = "consumption", _("consumption")
    PRODUCTION = "production", _("production delivered")


# Movements that add to stock and those that take from it; adjustments and count differences
# may go either way.
INWARD = (
    MovementKind.RECEIPT,
    MovementKind.TRANSFER_IN,
    MovementKind.DONATION,
    MovementKind.PRODUCTION,
)
OUTWARD = (MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.CONSUMPTION)
SIGNED = (MovementKind.ADJUSTMENT, MovementKind.COUNT)


class SupplyUrgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")
    CRITICAL = "critical", _("critical")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("waiting for approval")
    APPROVED = "approved", _("approved")
    PARTLY_APPROVED = "partly_approved", _("partly approved")
    REFUSED = "refused", _("refused")
    SHIPPED = "shipped", _("shipped")
    RECEIVED = "received", _("received")
    CANCELLED = "cancelled", _("cancelled")


class ShipmentState(models.TextChoices):
    PLANNED = "planned", _("allocated")
    SHIPPED = "shipped", _("shipped")
    RECEIVED = "received", _("received")
    CANCELLED = "cancelled", _("cancelled")


class Priority(models.IntegerChoices):
    """The order in which a short supply is shared out across a level (issue #12): ICU and
    designated hospitals first, then fever clinics, then isolation sites, then communities."""

    HOSPITAL = 1, _("ICU and designated hospitals")
    FEVER_CLINIC = 2, _("fever clinics")
    ISOLATION = 3, _("isolation sites")
    COMMUNITY = 4, _("communities")


class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    ORGANISATION = "organisation", _("organisation")
    INDIVIDUAL = "individual", _("individual")
    ABROAD = "abroad", _("from abroad")


class DispatchState(models.TextChoices):
    OPEN = "open", _("in production")
    DONE = "done", _("completed")
    CANCELLED = "cancelled", _("cancelled")
