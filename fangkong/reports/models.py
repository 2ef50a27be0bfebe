"""The daily supervision report (工作督查日报告, issue #11; ADR 0017): every division from the
village up submits one report a day (its leading group's whereabouts, the key figures computed
from the other modules, problems for the level above, tomorrow's plan); the level above
approves or returns it, as DHIS2 approves data level by level. Every row copies its division's
``path`` (``division_path``), so lists at any level are one prefix scan and jurisdiction is the
division's. ``ExpectedDay`` is the daily summary the actions keep, so completeness across all
levels is a read of five rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.regions.choices import Level
from fangkong.reports.choices import Doing, State

PATH_OPS = ["varchar_pattern_ops", "date_ops"]
REPORTING = models.Q(level__gte=Level.PROVINCE, level__lte=Level.VILLAGE)


class Deadline(models.Model):
    """The time of day by which the divisions of one level submit their report (local time,
    ``TIME_ZONE``). A report submitted later is accepted and marked late. Set by the province's
    command office; one row per level, seeded with 16:00 for villages … 20:00 for the province."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, unique=True)
    time = models.TimeField(_("deadline"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report deadline")
        verbose_name_plural = _("report deadlines")
        ordering = ["-level"]
        constraints = [models.CheckConstraint(condition=REPORTING, name="rptdeadline_level")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.time:%H:%M}"


class DailyReport(models.Model):
    """One division's report of one day: draft → submitted → approved, or returned with a
    reason and submitted again; ``missing`` when the level above marked it so (the parent may
    then submit its own). Approved is locked; the level above may reopen it with a reason.
    ``figures`` are computed from the records at submission (``reports.figures``), never typed."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="daily_reports",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    late = models.BooleanField(_("late"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.CharField(_("reason for returning"), max_length=200, blank=True)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=200, blank=True)
    missing_reason = models.CharField(_("reason for marking missing"), max_length=200, blank=True)
    tomorrow_plan = models.TextField(_("tomorrow's plan"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "division_path"]
        permissions = [
            ("approve_dailyreport", _("Can approve, return, reopen or mark missing reports")),
            ("view_summary", _("Can generate and download the province's daily summary")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["division", "day"], name="rptdaily_one_per_day"),
            models.CheckConstraint(condition=REPORTING, name="rptdaily_level"),
        ]
        indexes = [
            models.Index(fields=["day", "level", "state"], name="rptdaily_day_level_idx"),
            models.Index(
                fields=["division_path", "day"], name="rptdaily_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division} · {self.day:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def locked(self) -> bool:
        return self.state in (State.SUBMITTED, State.APPROVED, State.MISSING)


class Arrangement(models.Model):
    """Where a leading-group member is that day and what they are doing (at post, on the front
    line, commanding on site…). ``member`` links the group's roster when the row came from it."""

    scope_path_field = "report__division_path"

    report = models.ForeignKey(
        DailyReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="arrangements",
    )
    member = models.ForeignKey(
        "command.GroupMember",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    where = models.CharField(_("where"), max_length=200, blank=True)
    doing = models.CharField(_("doing"), max_length=16, choices=Doing.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangements")
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_doing_display()}"


class Problem(models.Model):
    """A problem met and what is asked of the level above. The parent answers it, or passes it
    up: a copy goes on the parent's own report of the day (``passed_to``)."""

    scope_path_field = "division_path"

    report = models.ForeignKey(
        DailyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="problems"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    text = models.TextField(_("problem"))
    request = models.TextField(_("request to the level above"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    passed_to = models.ForeignKey(
        "self",
        verbose_name=_("passed up as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="passed_from",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["report", "id"]
        indexes = [
            models.Index(fields=["division_path", "id"], name="rptproblem_path_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def passed_up(self) -> bool:
        return self.passed_to_id is not None

    @property
    def open(self) -> bool:
        return not self.answer and self.passed_to_id is None


class ExpectedDay(models.Model):
    """Completeness and timeliness of one level on one day, kept by the actions (``F()``
    updates): ``expected`` active divisions of the level (retired ones excluded, from the
    division counters), how many have submitted (on time / late), are approved, marked
    missing. One day across the five levels is five rows."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    day = models.DateField(_("day"))
    expected = models.PositiveIntegerField(_("expected"), default=0)
    submitted = models.IntegerField(_("submitted"), default=0)
    on_time = models.IntegerField(_("on time"), default=0)
    late = models.IntegerField(_("late"), default=0)
    approved = models.IntegerField(_("approved"), default=0)
    missing = models.IntegerField(_("marked missing"), default=0)

    class Meta:
        verbose_name = _("completeness of a day")
        verbose_name_plural = _("completeness of days")
        ordering = ["-day", "level"]
        constraints = [
            models.UniqueConstraint(fields=["level", "day"], name="rptexpected_one_per_day"),
            models.CheckConstraint(condition=REPORTING, name="rptexpected_level"),
        ]
        indexes = [models.Index(fields=["day", "level"], name="rptexpected_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.day:%Y-%m-%d}"


class Summary(models.Model):
    """The daily summary a division (the province) sends to its committee, as generated: the
    Word document and its PDF, kept here so that the day's document can be downloaded again as
    it was sent. Generating again the same day keeps the earlier one (``version``)."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    document_number = models.CharField(_("document number"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    docx = models.BinaryField(_("Word document"))
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    pdf_error = models.CharField(_("why there is no PDF"), max_length=200, blank=True)
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")
        ordering = ["-day", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "day", "version"], name="rptsummary_one_version"
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "day"], name="rptsummary_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return self.title
