"""Early warning (监测预警, point 4 of the notice): daily indicator series per division, the
alarms aberration detection raises on them, alarms grouped into signals with the leader's
verdict, and each province's method parameters (docs/warning.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.warning.choices import Indicator, Method, Source, Verdict

PATTERN = ["varchar_pattern_ops"]


class IndicatorDay(models.Model):
    """One value of one indicator for one division and day: the daily count (or, for a stock
    indicator, the figure at the end of the day). Computed series are written set-based for every
    division of the tree by ``warning.indicators``; imported ones by ``warning.imports``.

    ``cumulative`` keeps the running total as the source reported it, for a series imported as
    cumulative; ``adjusted`` marks a day whose daily value was lowered because the source's
    cumulative total went down later (the correction is taken from the days before it, so the
    dailies are never negative and add up to the last cumulative: docs/warning.md)."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    indicator = models.CharField(_("indicator"), max_length=24, choices=Indicator.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    value = models.IntegerField(_("value"))
    cumulative = models.IntegerField(_("cumulative as reported"), null=True, blank=True)
    adjusted = models.BooleanField(_("adjusted for a later correction"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["division_path", "indicator", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "indicator", "source", "day"], name="indicator_day_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="indicator_day_value_not_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "indicator", "source", "day"],
                name="indicator_day_path_idx",
                opclasses=[*PATTERN, "", "", ""],
            ),
            models.Index(fields=["day", "indicator"], name="indicator_day_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.division_path} {self.indicator} {self.day}: {self.value}"


class Signal(models.Model):
    """Alarms of one method on one series (division, indicator, source) on consecutive days,
    grouped: it opens with the first alarm, its ``end`` moves on while alarms continue, and a day
    without an alarm closes it. A new signal opens an escalation to the 包保 leader of the
    division and the indicator's field (#11); the leader's verdict is kept on it."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    indicator = models.CharField(_("indicator"), max_length=24, choices=Indicator.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    alarms = models.PositiveIntegerField(_("alarms"), default=1)
    peak_observed = models.IntegerField(_("highest observed"))
    escalation_key = models.CharField(_("escalation key"), max_length=100, blank=True)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, blank=True)
    verdict_note = models.CharField(_("verdict note"), max_length=300, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verdict by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict_at = models.DateTimeField(_("verdict at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-end", "-id"]
        indexes = [
            models.Index(
                fields=["division_path", "end", "id"],
                name="signal_path_end_idx",
                opclasses=[*PATTERN, "", ""],
            ),
            models.Index(
                fields=["division", "indicator", "source", "method", "end"],
                name="signal_series_idx",
            ),
            models.Index(
                fields=["division_path", "id"],
                name="signal_open_idx",
                opclasses=[*PATTERN, ""],
                condition=models.Q(verdict=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.indicator} {self.division_path} {self.start}–{self.end}"

    def get_absolute_url(self) -> str:
        return reverse("warning:signal", args=[self.pk])


class Alarm(models.Model):
    """One day on which one method found one series above its threshold: what was observed,
    the threshold (the method's upper bound) and the signal it belongs to."""

    scope_path_field = "division_path"

    signal = models.ForeignKey(
        Signal, verbose_name=_("signal"), on_delete=models.CASCADE, related_name="alarm_days"
    )
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    indicator = models.CharField(_("indicator"), max_length=24, choices=Indicator.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    day = models.DateField(_("day"))
    observed = models.IntegerField(_("observed"))
    threshold = models.FloatField(_("threshold"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "indicator", "source", "method", "day"], name="alarm_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "day"], name="alarm_path_day_idx", opclasses=[*PATTERN, ""]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.indicator} {self.division_path} {self.day}"


class Parameters(models.Model):
    """A province's parameters of the methods (one row per province; the defaults of
    ``warning.methods.DEFAULTS`` when it has none): the serial interval of the reproduction
    number (COVID-19: mean 7.5 d, sd 3.4 d, Li et al., NEJM 2020) and the aberration methods'
    settings."""

    scope_path_field = "division_path"

    division = models.OneToOneField(
        "regions.Division", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    si_mean = models.FloatField(_("mean serial interval (days)"), default=7.5)
    si_sd = models.FloatField(_("standard deviation of the serial interval (days)"), default=3.4)
    ears_alpha = models.FloatField(_("EARS alpha"), default=0.001)
    ears_baseline = models.PositiveSmallIntegerField(_("EARS baseline (days)"), default=7)
    ears_min_sigma = models.FloatField(_("EARS minimum sigma"), default=0.0)
    percentile = models.PositiveSmallIntegerField(_("moving percentile"), default=80)
    cusum_k = models.FloatField(_("CUSUM reference value k (in sigmas)"), default=0.5)
    cusum_h = models.FloatField(_("CUSUM decision interval h (in sigmas)"), default=4.0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("method parameters")
        verbose_name_plural = _("method parameters")

    def __str__(self) -> str:
        return self.division_path
