"""Medical observation (医学观察) of a person for 14 days, and its daily check-ins."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.observation.choices import Kind, Source, Status
from fangkong.people.choices import FEVER_AT, Symptom
from fangkong.people.period import ObservationPeriod


class Observation(models.Model):
    """A person under medical observation (医学观察), at home or in a centralized site.

    Runs from ``start_date`` until ``end_date`` = the last exposure (or the arrival from a key
    area) + 14 days, with one check-in a day on the days before ``end_date``. Ends released,
    referred to a fever clinic, or transferred to a case. ``division_path`` is the path of the
    grid responsible for it. ``link_nonce`` is part of the signed personal check-in link;
    rotating it invalidates every link given out before. ``last_check_in_on`` and
    ``last_temperature`` are kept by the check-in actions so that lists flag a fever without
    reading the check-ins.
    """

    scope_path_field = "division_path"

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    grid = models.ForeignKey(
        "regions.Division", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.HOME)
    reason = models.CharField(_("reason"), max_length=300)
    source_screening = models.ForeignKey(
        "screening.Screening",
        verbose_name=_("source screening"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    last_exposure = models.DateField(_("last exposure"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_note = models.CharField(_("end note"), max_length=300, blank=True)
    link_nonce = models.CharField(_("link nonce"), max_length=32)
    last_check_in_on = models.DateField(_("last check-in"), null=True, blank=True)
    last_temperature = models.DecimalField(
        _("last temperature (℃)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("medical observation")
        verbose_name_plural = _("medical observations")
        ordering = ["-id"]
        permissions = [
            ("release_early", _("Can release an observation before its end date")),
            ("manage_link", _("Can show and rotate personal check-in links")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="active"),
                name="observation_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="observation_end_after_start",
            ),
        ]
        indexes = [
            # One per filter of the list (observation/selectors.py), each ending in the keyset.
            models.Index(
                fields=["division_path", "status", "id"],
                name="observation_path_status_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["grid", "status", "id"], name="observation_grid_status_idx"),
            models.Index(fields=["person", "start_date"], name="observation_person_idx"),
            # Zero reporting (zeroreport/figures.py): observations still running on a day.
            models.Index(
                fields=["end_date", "division_path"],
                name="observation_end_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["division_path", "id"],
                name="observation_fever_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=models.Q(status="active", last_temperature__gte=FEVER_AT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("observation:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def has_fever(self) -> bool:
        return self.last_temperature is not None and self.last_temperature >= FEVER_AT

    @property
    def last_day(self) -> dt.date:
        """The last day under observation (the day before ``end_date``, the release date)."""
        return self.end_date - dt.timedelta(days=1)

    @property
    def period(self) -> ObservationPeriod:
        """The observation period as every page shows it (fangkong/people/period.py)."""
        return ObservationPeriod(self.start_date, self.end_date, self.last_exposure)

    def days(self) -> list[dt.date]:
        """The days a check-in is expected: from the start until the day before the end."""
        n = (self.end_date - self.start_date).days
        return [self.start_date + dt.timedelta(days=i) for i in range(n)]

    def day_number(self, day: dt.date) -> int:
        return (day - self.start_date).days + 1


class CheckIn(models.Model):
    """One day's check-in of a person under observation: temperature and symptoms.

    One per observation and day. ``client_uuid`` is chosen by whoever sends it (a form, a phone
    app, a batch), so sending the same check-in twice stores it once.
    """

    scope_path_field = "division_path"

    # No separate index on the foreign keys: (observation, day) below serves the first, and
    # nobody lists check-ins by who typed them; each index costs every insert (2.8M rows).
    observation = models.ForeignKey(
        Observation,
        verbose_name=_("observation"),
        on_delete=models.PROTECT,
        related_name="check_ins",
        db_index=False,
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    temperature = models.DecimalField(_("temperature (℃)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("entered by"), max_length=8, choices=Source.choices)
    client_uuid = models.UUIDField(_("client UUID"), unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["observation", "day"], name="check_in_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(temperature__gte=35) & models.Q(temperature__lte=42),
                name="check_in_temperature_range",
            ),
        ]
        indexes = [
            # Zero reporting (zeroreport/figures.py): one day's check-ins under a path.
            models.Index(
                fields=["day", "division_path"],
                name="check_in_day_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.day:%Y-%m-%d} {self.temperature}℃"

    @property
    def has_fever(self) -> bool:
        return self.temperature >= FEVER_AT

    @property
    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(s, s)) for s in self.symptoms]
