"""Each grid's figures for a day and the grid worker's confirmation of it (零报告)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet

# The figures of a grid's day, in the order screens show them. One definition each lives in
# fangkong/zeroreport/figures.py.
FIGURES = (
    "screened",
    "fever_found",
    "observations_active",
    "check_ins_missed",
    "passages_pending",
    "passages_handled",
    "care_open",
)

# A day is abnormal when any of these is above zero; a zero report (零报告) is refused then.
# Flagged travellers count while they wait (pending), not once received: a grid that handled
# every hand-over of the day may report "nothing abnormal".
ABNORMAL_FIGURES = ("fever_found", "check_ins_missed", "passages_pending")


class GridDay(models.Model):
    """One grid's day (网格日报): the figures computed from the records (screenings, check-ins,
    observations, handovers, care requests) and whether the grid worker confirmed them.

    The figures are a snapshot refreshed set-based from the records (see ADR 0007): confirming
    the day recomputes them; ``computed_at`` says how fresh they are. ``zero_report`` is true
    when the day was confirmed as "nothing abnormal". ``division_path`` is the grid's path so
    every level's roll-up is one indexed prefix scan of one day.
    """

    scope_path_field = "division_path"

    grid = models.ForeignKey(
        "regions.Division", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    screened = models.PositiveIntegerField(_("screened"), default=0)
    fever_found = models.PositiveIntegerField(_("fever found"), default=0)
    observations_active = models.PositiveIntegerField(_("observations active"), default=0)
    check_ins_missed = models.PositiveIntegerField(_("check-ins missed"), default=0)
    passages_pending = models.PositiveIntegerField(_("flagged travellers pending"), default=0)
    passages_handled = models.PositiveIntegerField(_("flagged travellers handled"), default=0)
    care_open = models.PositiveIntegerField(_("care requests open"), default=0)
    computed_at = models.DateTimeField(_("computed at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_late = models.BooleanField(_("confirmed late"), default=False)
    zero_report = models.BooleanField(_("zero report"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid day")
        verbose_name_plural = _("grid days")
        ordering = ["-day", "division_path"]
        permissions = [("confirm_gridday", _("Can confirm a grid's day (zero report)"))]
        indexes = [
            # Roll-ups and the dashboard: one day under a division path.
            models.Index(
                fields=["day", "division_path"],
                name="gridday_day_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["grid", "day"], name="gridday_grid_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.day:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("zeroreport:grid", args=[self.grid.code])

    @property
    def abnormal(self) -> bool:
        return any(getattr(self, f) > 0 for f in ABNORMAL_FIGURES)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def figures(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in FIGURES}
