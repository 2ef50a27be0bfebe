"""First diagnosis at the fever clinic (首诊), the case report (传染病报告卡), its course, and the
samples and results that decide it. Rules in DESIGN.md section 4 and ``cases/rules.py``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import (
    NATIONAL_REPORT_HOURS,
    CaseOutcome,
    Category,
    Decision,
    Importation,
    Method,
    Occupation,
    Result,
    SampleType,
    Severity,
)
from fangkong.core.jurisdiction import ScopedQuerySet, TwoSidedQuerySet


class ClinicVisit(models.Model):
    """A patient seen at a fever clinic (发热门诊就诊登记): referred by a grid or walking in.

    ``division_path`` is the clinic's path: the visit belongs to the clinic that made it. The
    epidemiological history is pre-filled from the person's screenings, observations and
    passages and kept as the doctor saw it (``epi_history``). The doctor decides: home
    observation, a suspected case isolated on the spot (就地隔离, ``case`` set), or no risk.
    ``referral_screening``/``referral_observation`` say which referral this visit answers (it
    then shows as arrived).
    """

    scope_path_field = "division_path"

    facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("clinic"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="clinic_visits",
    )
    visited_at = models.DateTimeField(_("visited at"))
    temperature = models.DecimalField(_("temperature (℃)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    epi_history = models.TextField(_("epidemiological history"), blank=True)
    referral_screening = models.ForeignKey(
        "screening.Screening",
        verbose_name=_("referral (screening)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_visits",
    )
    referral_observation = models.ForeignKey(
        "observation.Observation",
        verbose_name=_("referral (observation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_visits",
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    doctor = models.CharField(_("doctor"), max_length=50, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_visit",
    )
    observation = models.ForeignKey(
        "observation.Observation",
        verbose_name=_("home observation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("clinic visit")
        verbose_name_plural = _("clinic visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__gte=35) & models.Q(temperature__lte=42),
                name="clinic_visit_temperature_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "decision", "id"],
                name="clinic_visit_path_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["facility", "visited_at"], name="clinic_visit_facility_idx"),
            models.Index(fields=["person", "visited_at"], name="clinic_visit_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.visited_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("cases:visit", args=[self.pk])


class Case(models.Model):
    """A case (病例) as the national report card (传染病报告卡) has it: suspected, confirmed, or an
    asymptomatic infection (reported separately), and excluded when two negative results say so.

    Two jurisdictions see it (``TwoSidedQuerySet``): the one of the current address
    (``division_path``, where the case is counted, investigated and graded) and the one of the
    reporting unit (``reporting_path``, the clinic that saw the patient first). The first clinic
    stays responsible (``responsible_facility``) until another facility accepts a transfer
    (issue #10); from then the facility treating the patient sees and works the case too
    (``treating_path``, empty until then).
    ``report_due_at`` is ``diagnosed_at`` + 2 h: a case not marked ``national_reported_at`` by
    then is overdue. Every change of category and outcome is an action in ``cases/actions.py``
    with its rule in ``cases/rules.py``, kept as a :class:`CaseEvent`.
    """

    scope_path_fields = ("division_path", "reporting_path", "treating_path")
    scope_path_field = "division_path"

    number = models.CharField(_("case number"), max_length=20, unique=True)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases"
    )
    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, default=Occupation.UNKNOWN
    )
    address = models.CharField(_("current address"), max_length=200)
    workplace = models.CharField(_("workplace or school"), max_length=100, blank=True)
    address_division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("division of the current address"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    county = models.ForeignKey(
        "regions.Division",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the county-level division of the current address, where the case counts"),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    severity = models.CharField(
        _("clinical severity"), max_length=10, choices=Severity.choices, blank=True
    )
    outcome = models.CharField(
        _("course"), max_length=12, choices=CaseOutcome.choices, default=CaseOutcome.ISOLATED
    )
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    diagnosed_at = models.DateTimeField(_("diagnosed at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    died_on = models.DateField(_("died on"), null=True, blank=True)
    import_status = models.CharField(
        _("import status"), max_length=16, choices=Importation.choices, default=Importation.LOCAL
    )
    origin = models.CharField(_("imported from"), max_length=100, blank=True)
    reporting_facility = models.ForeignKey(
        "medical.Facility",
        verbose_name=_("reporting unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporting_path = models.CharField(_("reporting unit path"), max_length=128)
    treating_path = models.CharField(
        _("treating facility path"), max_length=128, blank=True, default=""
    )
    reporting_doctor = models.CharField(_("reporting doctor"), max_length=50)
    responsible_facility = models.ForeignKey(
        "medical.Facility",
        verbose_name=_("responsible facility"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_due_at = models.DateTimeField(_("report due at"))
    national_reported_at = models.DateTimeField(
        _("reported to the national system at"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-diagnosed_at", "-id"]
        permissions = [
            ("mark_reported", _("Can mark a case reported to the national system")),
            ("change_category", _("Can confirm, exclude and reclassify cases")),
            ("close_case", _("Can discharge a case or record a death")),
            ("record_result", _("Can record laboratory results")),
        ]
        indexes = [
            # One per filter of the list (cases/selectors.py), each ending in the keyset.
            models.Index(
                fields=["division_path", "category", "id"],
                name="case_path_category_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["reporting_path", "id"],
                name="case_reporting_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["treating_path", "id"],
                name="case_treating_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=~models.Q(treating_path=""),
            ),
            models.Index(fields=["county", "category", "diagnosed_at"], name="case_county_idx"),
            models.Index(fields=["person"], name="case_person_idx"),
            # The 2-hour clock: cases not yet reported, by due time.
            models.Index(
                fields=["report_due_at"],
                name="case_report_due_idx",
                condition=models.Q(national_reported_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.outcome in (CaseOutcome.ISOLATED, CaseOutcome.ADMITTED)

    @property
    def infection_date(self) -> dt.date:
        """The date the tracing window counts from: the onset, or for an asymptomatic infection
        (no onset) the date of its first positive sample, else the diagnosis date."""
        if self.onset_date is not None:
            return self.onset_date
        first = (
            self.samples.filter(result=Result.POSITIVE)
            .order_by("sampled_at")
            .values_list("sampled_at", flat=True)
            .first()
        )
        return (first or self.diagnosed_at).date()

    def report_minutes(self) -> int | None:
        """Minutes from diagnosis to the report to the national system (None while unreported)."""
        if self.national_reported_at is None:
            return None
        return int((self.national_reported_at - self.diagnosed_at).total_seconds() // 60)


class CaseEvent(models.Model):
    """One step of a case's course as the case page shows it: reported, confirmed, excluded,
    reclassified, discharged, died, transferred, reported to the national system. The audit log
    keeps the same with who and when; this is the case's own history. ``detail`` holds data, not
    words (a category or severity code, a date, a sample number and result), so that the page
    shows it in the reader's language."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=24)
    at = models.DateTimeField(_("at"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Sample(models.Model):
    """A sample (标本) taken from a person and its laboratory result. ``number`` is the sample's
    barcode, unique, by which a laboratory posts its result through the API. Like its case it
    is seen from both sides (``division_path``: the case's address; ``reporting_path``: the
    reporting clinic's, whose laboratory usually tests it; ADR 0015), and by the facility
    treating the patient (``treating_path``, the case's)."""

    scope_path_fields = ("division_path", "reporting_path", "treating_path")
    scope_path_field = "division_path"

    number = models.CharField(_("sample number"), max_length=32, unique=True)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="samples"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    reporting_path = models.CharField(_("reporting unit path"), max_length=128, default="")
    treating_path = models.CharField(
        _("treating facility path"), max_length=128, blank=True, default=""
    )
    sample_type = models.CharField(_("sample type"), max_length=16, choices=SampleType.choices)
    sampled_at = models.DateTimeField(_("sampled at"))
    laboratory = models.CharField(_("laboratory"), max_length=100)
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.PCR
    )
    result = models.CharField(
        _("result"), max_length=14, choices=Result.choices, default=Result.PENDING
    )
    ct_orf1ab = models.DecimalField(
        _("Ct (ORF1ab)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    ct_n = models.DecimalField(_("Ct (N)"), max_digits=4, decimal_places=1, null=True, blank=True)
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["sampled_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(ct_orf1ab__isnull=True) | models.Q(ct_orf1ab__range=(0, 50)))
                & (models.Q(ct_n__isnull=True) | models.Q(ct_n__range=(0, 50))),
                name="sample_ct_range",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "sampled_at"], name="sample_case_idx"),
            models.Index(fields=["person", "sampled_at"], name="sample_person_idx"),
            models.Index(
                fields=["division_path", "result", "id"],
                name="sample_path_result_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["treating_path", "id"],
                name="sample_treating_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=~models.Q(treating_path=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number


__all__ = ["NATIONAL_REPORT_HOURS", "Case", "CaseEvent", "ClinicVisit", "Sample"]
