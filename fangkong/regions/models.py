"""The division tree, from the province down to the grid, and the people who work the grids."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.regions.choices import Kind, Level, StaffKind


class DivisionQuerySet(ScopedQuerySet["Division"]):
    def active(self) -> DivisionQuerySet:
        return self.filter(active=True)

    def active_grids(self) -> DivisionQuerySet:
        """Grids not retired or merged: where people, screenings, observations and care
        requests are kept (every picker and list of grids to work in starts here)."""
        return self.filter(level=Level.GRID, active=True)

    def subtree_of(self, division: Division) -> DivisionQuerySet:
        return self.filter(path__startswith=division.path)


class Division(models.Model):
    """A unit of the chain of command (行政区划): province, prefecture, county, township,
    village/community, or a grid (网格) created by a village.

    ``code`` is the 12-digit statistical code (grids: their village's code and a 3-digit
    number). ``path`` joins the short codes of the ancestors and the division itself
    ("22/2201/220102/"), so a subtree is a path prefix. The ``n_*`` columns count active
    descendants per level; actions keep them current, so the home page reads counts without
    scanning the subtree.
    """

    scope_path_field = "path"

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.STATISTICAL
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=128, unique=True)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True)
    initials = models.CharField(_("pinyin initials"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    n_children = models.PositiveIntegerField(_("children"), default=0)
    n_prefectures = models.PositiveIntegerField(_("prefectures"), default=0)
    n_counties = models.PositiveIntegerField(_("counties"), default=0)
    n_townships = models.PositiveIntegerField(_("townships"), default=0)
    n_villages = models.PositiveIntegerField(_("villages"), default=0)
    n_grids = models.PositiveIntegerField(_("grids"), default=0)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        permissions = [("manage_grids", _("Can create, rename, merge and retire grids"))]
        indexes = [
            # Subtree queries (path prefix): the unique constraint on ``path`` already gets a
            # varchar_pattern_ops index from Django on PostgreSQL ("..._like"), so none here.
            models.Index(fields=["parent", "code"], name="division_children_idx"),
            models.Index(
                fields=["initials"], name="division_initials_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="division_level_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6), name="division_level_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("regions:division", args=[self.code])

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    @property
    def short_code(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor, province first (not including this division)."""
        parts = self.path.rstrip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]

    def ancestors(self) -> list[Division]:
        paths = self.ancestor_paths()
        found = {d.path: d for d in Division.objects.filter(path__in=paths)}
        return [found[p] for p in paths if p in found]

    def descendant_counts(self) -> dict[int, int]:
        return {
            Level.PREFECTURE: self.n_prefectures,
            Level.COUNTY: self.n_counties,
            Level.TOWNSHIP: self.n_townships,
            Level.VILLAGE: self.n_villages,
            Level.GRID: self.n_grids,
        }


class GridStaff(models.Model):
    """A person who works grids: a grid worker (网格员), a party member (党员) or a volunteer.

    Not necessarily a user of the platform. Belongs to a village or community, which decides
    where they may be assigned.
    """

    scope_path_field = "division__path"

    division = models.ForeignKey(
        Division,
        verbose_name=_("village or community"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=16, choices=StaffKind.choices)
    party_organisation = models.CharField(_("party organisation"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("platform user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_staff",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid staff")
        verbose_name_plural = _("grid staff")
        ordering = ["division", "name", "id"]
        permissions = [
            # The command offices of the staff's chain and the village (and a grid worker, the
            # staff of their own grid): regions.selectors.staff_phone_visible.
            ("view_staff_phone", _("Can see grid staff phone numbers")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["division", "phone"], name="grid_staff_unique_phone"),
        ]

    def __str__(self) -> str:
        return self.name


class GridAssignment(models.Model):
    """A period during which a staff member works a grid. Ended, never deleted."""

    scope_path_field = "grid__path"

    grid = models.ForeignKey(
        Division, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="assignments"
    )
    staff = models.ForeignKey(
        GridStaff, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="assignments"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        ordering = ["-ended_at", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "staff"],
                condition=models.Q(ended_at=None),
                name="grid_assignment_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.grid}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None
