"""Care (帮扶关爱): requests for help from households under observation or in need."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.care.choices import PENDING, SUPPLY_KINDS, CareKind, CareStatus, Urgency
from fangkong.care.permissions import CarePerm
from fangkong.core.jurisdiction import ScopedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


class CareRequestQuerySet(ScopedQuerySet["CareRequest"]):
    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        """The requests in the user's subtree; for a role that sees care requests but not of
        every kind (the supplies officer), only those of the kinds it supplies. The one rule
        of the list, a request's page, the grid view, the API and the export."""
        qs = super().visible_to(user)
        if (
            user is not None
            and user.has_perm(CarePerm.VIEW_CAREREQUEST)
            and not user.has_perm(CarePerm.VIEW_EVERY_KIND)
        ):
            qs = qs.filter(kind__in=SUPPLY_KINDS)
        return qs

    def pending(self) -> CareRequestQuerySet:
        """Still to be done: open or assigned."""
        return self.filter(status__in=PENDING)

    def overdue(self, today: dt.date | None = None) -> CareRequestQuerySet:
        """Pending past their due date (a request due today is not overdue until tomorrow)."""
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class CareRequest(models.Model):
    """A request for help (帮扶关爱) from a household under observation or in need: food and
    daily necessities, medicine, an elderly person living alone, children left alone.

    It belongs to a grid (``division_path`` is the grid's path, copied so that lists at any
    level are one indexed prefix scan) and names a person, a household, or both. The grid
    worker or the village secretary assigns it to a party member (党员) of the village, who
    does it; it ends done (with a note) or cancelled (with a reason). A pending request past
    its due date is overdue and surfaces to the village.
    """

    scope_path_field = "division_path"

    grid = models.ForeignKey(
        "regions.Division",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="care_requests",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_requests",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_requests",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=CareKind.choices)
    description = models.TextField(_("description"), max_length=1000)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    requested_on = models.DateField(_("requested on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=CareStatus.choices, default=CareStatus.OPEN
    )
    assignee = models.ForeignKey(
        "regions.GridStaff",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_requests",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.CharField(_("note or reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CareRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("care request")
        verbose_name_plural = _("care requests")
        ordering = ["-id"]
        permissions = [
            ("assign_carerequest", _("Can assign care requests to party members")),
            ("close_carerequest", _("Can mark care requests done or cancelled")),
            # Without it, a role that sees care requests sees only those of the kinds it
            # supplies (choices.SUPPLY_KINDS): the supplies officer.
            ("view_every_kind_carerequest", _("Can see care requests of every kind")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(household__isnull=False),
                name="care_request_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("requested_on")),
                name="care_request_due_after_requested",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CareStatus.values), name="care_request_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[CareStatus.OPEN, CareStatus.CANCELLED])
                | models.Q(assignee__isnull=False),
                name="care_request_assigned_has_assignee",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PENDING, closed_at__isnull=True)
                | models.Q(
                    status__in=[CareStatus.DONE, CareStatus.CANCELLED], closed_at__isnull=False
                ),
                name="care_request_closed_has_time",
            ),
        ]
        indexes = [
            # Lists at any level: a prefix of the path, newest first (keyset on id).
            models.Index(
                fields=["division_path", "id"],
                name="care_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # The grid worker's view and the grid filter: a grid's pending requests by due date.
            models.Index(fields=["grid", "status", "due_on"], name="care_grid_status_idx"),
            # Overdue (status pending, due before today) and the status filter.
            models.Index(fields=["status", "due_on"], name="care_status_due_idx"),
            models.Index(fields=["kind", "id"], name="care_kind_idx"),
        ]

    def __str__(self) -> str:
        who = self.person.name if self.person_id and self.person else ""
        if not who and self.household_id and self.household:
            who = self.household.address
        return f"{self.get_kind_display()} · {who}" if who else str(self.get_kind_display())

    def get_absolute_url(self) -> str:
        return reverse("care:detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    def days_overdue(self, today: dt.date | None = None) -> int:
        """How many days past its due date a pending request is (0 if it is not overdue)."""
        if not self.is_pending:
            return 0
        return max(((today or timezone.localdate()) - self.due_on).days, 0)

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue() > 0
