"""Door-to-door screening (排查登记) and the key areas (重点地区) its rules look at."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.people.choices import Symptom
from fangkong.screening.choices import Contact, Outcome, Transport

if TYPE_CHECKING:
    from fangkong.screening.rules import Assessment


class KeyAreaQuerySet(ScopedQuerySet["KeyArea"]):
    def applying_to(self, path: str) -> KeyAreaQuerySet:
        """Key areas declared by the division at ``path`` or by any division above it: a
        province's declaration holds province-wide, a city's only in that city."""
        parts = path.rstrip("/").split("/")
        paths = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        return self.filter(division_path__in=paths)

    def current(self, day: dt.date) -> KeyAreaQuerySet:
        return self.filter(start_date__lte=day).filter(
            models.Q(end_date=None) | models.Q(end_date__gte=day)
        )


class KeyArea(models.Model):
    """A key area (重点地区): a place people arriving from are screened for, from a start date
    until an optional end date (inclusive).

    ``code`` is a national division code prefix ("42" 湖北省, "4201" 武汉市); a place matches when
    its code starts with it. Declared by a command office (province, city or county), whose
    division bounds where the declaration holds and who may end it; everyone logged in may read
    the list.
    """

    scope_path_field = "division_path"

    code = models.CharField(_("division code prefix"), max_length=12)
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    declared_by = models.ForeignKey(
        "regions.Division",
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        related_name="key_areas",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = KeyAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("key area")
        verbose_name_plural = _("key areas")
        ordering = ["code", "start_date", "id"]
        permissions = [("manage_key_areas", _("Can declare and end key areas"))]
        indexes = [models.Index(fields=["division_path", "code"], name="key_area_path_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date=None) | models.Q(end_date__gte=models.F("start_date")),
                name="key_area_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def is_current(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Screening(models.Model):
    """One screening (排查登记) of a person by a grid worker: the "十清晰" facts of DESIGN.md
    section 4 as they stood that day, and the outcome the rules drew from them.

    ``division_path`` is the path of the grid where the screening was made (denormalised:
    every list at every level is one indexed prefix scan). ``reasons`` keeps why the rules chose
    the outcome, as codes with parameters, so they are shown in the reader's language.
    """

    scope_path_field = "division_path"

    # No single-column index on the foreign keys: the (person, day) and (grid, day) indexes
    # below serve them, and nobody lists screenings by who typed them. Every index costs each
    # of the millions of inserts of a sweep (an import's COPY ran a third faster without).
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="screenings",
        db_index=False,
    )
    grid = models.ForeignKey(
        "regions.Division",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    division_path = models.CharField(_("division path"), max_length=128)
    screened_on = models.DateField(_("screening date"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    origin_code = models.CharField(_("origin code"), max_length=12, blank=True)
    origin_name = models.CharField(_("origin"), max_length=100, blank=True)
    travel = models.JSONField(_("travel in the last 14 days"), default=list, blank=True)
    transport = models.CharField(
        _("transport"), max_length=16, choices=Transport.choices, blank=True
    )
    transport_number = models.CharField(_("train or flight number"), max_length=16, blank=True)
    contact = models.CharField(
        _("contact history"), max_length=16, choices=Contact.choices, default=Contact.NONE
    )
    contact_date = models.DateField(_("date of the last contact"), null=True, blank=True)
    temperature = models.DecimalField(_("temperature (℃)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    measures = models.CharField(_("measures taken"), max_length=200, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household members"), default=1)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    last_exposure = models.DateField(_("last exposure"), null=True, blank=True)
    client_uuid = models.UUIDField(_("client UUID"), null=True, blank=True, unique=True)
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
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-screened_on", "-id"]
        indexes = [
            # One per filter of the list (screening/selectors.py), each ending in the keyset.
            models.Index(
                fields=["division_path", "screened_on", "id"],
                name="screening_path_day_idx",
                opclasses=["varchar_pattern_ops", "date_ops", "int8_ops"],
            ),
            models.Index(fields=["grid", "screened_on", "id"], name="screening_grid_day_idx"),
            models.Index(fields=["person", "screened_on"], name="screening_person_day_idx"),
            models.Index(fields=["outcome", "screened_on", "id"], name="screening_outcome_day_idx"),
            # Zero reporting (zeroreport/figures.py): one day under a path, grouped by grid.
            models.Index(
                fields=["screened_on", "division_path"],
                name="screening_day_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__gte=35) & models.Q(temperature__lte=42),
                name="screening_temperature_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.screened_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("screening:detail", args=[self.pk])

    @property
    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(s, s)) for s in self.symptoms]

    def assessment(self) -> Assessment:
        """The outcome and its reasons as the rules gave them, for showing."""
        from fangkong.screening.rules import Assessment, Reason

        reasons = [Reason.from_dict(r) for r in self.reasons]
        return Assessment(
            Outcome(self.outcome), reasons, last_exposure=self.last_exposure, start=self.screened_on
        )
