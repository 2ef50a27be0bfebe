from django.db import models
from django.utils.translation import gettext_lazy as _


class CareKind(models.TextChoices):
    FOOD = "food", _("food and daily necessities")
    MEDICINE = "medicine", _("medicine")
    ELDERLY_ALONE = "elderly_alone", _("elderly person living alone")
    CHILDREN_ALONE = "children_alone", _("children left alone")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")
    CRITICAL = "critical", _("very urgent")


class CareStatus(models.TextChoices):
    OPEN = "open", _("open")
    ASSIGNED = "assigned", _("assigned")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# Still to be done: these can be assigned, completed or cancelled, and can fall overdue.
PENDING = (CareStatus.OPEN, CareStatus.ASSIGNED)
CLOSED = (CareStatus.DONE, CareStatus.CANCELLED)

# Days from the requested date to the default due date, by kind (others: DEFAULT_DUE_DAYS).
DUE_DAYS: dict[str, int] = {CareKind.MEDICINE.value: 1, CareKind.FOOD.value: 2}
DEFAULT_DUE_DAYS = 3

# What the supplies officer (物资保障) provides: the care requests a role without
# ``care.view_every_kind_carerequest`` sees (CareRequestQuerySet.visible_to).
SUPPLY_KINDS = (CareKind.FOOD, CareKind.MEDICINE)
