"""Checkpoints (卡口) at provincial borders, city-rural fringes and stations; the passages they
register; and the hand-over of flagged travellers to the grid they are going to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.choices import (
    STATION_KINDS,
    Direction,
    FlagReason,
    HandoverStatus,
    Outcome,
    SiteKind,
    Source,
)
from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.people.choices import DocType
from fangkong.people.idcard import mask_id, mask_phone

# China's bounding box: a checkpoint outside it is a typo (swapped or mistyped coordinates).
CHINA_LON = (73, 136)
CHINA_LAT = (3, 54)


class Checkpoint(models.Model):
    """A checkpoint site (卡口): where travellers entering or leaving an area are registered.

    Run by a county or township (``division``), whose command office adds, edits and closes it.
    ``division_path`` copies the division's path, so lists scope with one prefix filter.
    A closed site keeps its passages and takes no new ones registered after it closed.
    """

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=24, choices=SiteKind.choices)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=6)
    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="checkpoints",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The terminals' tokens that may register passages here (and at no other checkpoint of
    # theirs); a token bound to no checkpoint registers none. Set by the command office.
    tokens = models.ManyToManyField(
        "accounts.ApiToken",
        verbose_name=_("terminal tokens"),
        related_name="checkpoints",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["division_path", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "name"],
                condition=models.Q(active=True),
                name="checkpoint_unique_active_name",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=CHINA_LON[0], longitude__lte=CHINA_LON[1])
                & models.Q(latitude__gte=CHINA_LAT[0], latitude__lte=CHINA_LAT[1]),
                name="checkpoint_inside_china",
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "id"],
                name="checkpoint_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("checkpoints:detail", args=[self.pk])

    @property
    def is_station(self) -> bool:
        return self.kind in STATION_KINDS


class Passage(models.Model):
    """One registration at a checkpoint: a vehicle (or people on foot) passing in one direction
    at one time, with everyone on board (:class:`PassagePerson`).

    ``uuid`` is chosen by the client (a checkpoint terminal), so re-sending a passage never
    registers it twice. ``n_people``/``n_flagged`` are kept by the action that writes the
    passage, so lists show them without counting.
    """

    scope_path_field = "division_path"

    uuid = models.UUIDField(_("UUID"), unique=True)
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="passages"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    plate = models.CharField(_("plate"), max_length=16, blank=True)  # "" = on foot
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    passed_at = models.DateTimeField(_("time"))
    n_people = models.PositiveSmallIntegerField(_("people"), default=0)
    n_flagged = models.PositiveSmallIntegerField(_("flagged"), default=0)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-passed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(n_flagged__lte=models.F("n_people")),
                name="passage_flagged_le_people",
            ),
        ]
        indexes = [
            models.Index(fields=["checkpoint", "passed_at", "id"], name="passage_checkpoint_idx"),
            models.Index(
                fields=["division_path", "passed_at"],
                name="passage_path_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["passed_at", "id"], name="passage_time_idx"),
            models.Index(fields=["plate", "passed_at"], name="passage_plate_idx"),
            models.Index(
                fields=["division_path", "passed_at"],
                name="passage_flagged_idx",
                condition=models.Q(n_flagged__gt=0),
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate or '步行'} {self.passed_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("checkpoints:passage", args=[self.pk])

    @property
    def on_foot(self) -> bool:
        return not self.plate


class PassagePerson(models.Model):
    """A person on board a passage: their document, where they come from, where they go, their
    temperature, and whether that flags them (fever, or arriving from a key area).

    Scoped by the checkpoint's ``division_path``; ``destination_path`` copies the path of the
    destination (the deepest known division for the code given), which the hand-over of a
    flagged person is scoped by. ``person`` links to the registry when the document matches
    a registered person; a passage never creates one.
    """

    scope_path_field = "division_path"

    passage = models.ForeignKey(
        Passage, verbose_name=_("passage"), on_delete=models.PROTECT, related_name="people"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("full name"), max_length=50)
    doc_type = models.CharField(_("document type"), max_length=16, choices=DocType.choices)
    doc_number = models.CharField(_("document number"), max_length=32)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    origin_code = models.CharField(_("origin code"), max_length=12, blank=True)
    origin_name = models.CharField(_("origin"), max_length=100)
    origin_abroad = models.BooleanField(_("from abroad"), default=False)
    destination = models.ForeignKey(
        "regions.Division",
        verbose_name=_("destination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_code = models.CharField(_("destination code as entered"), max_length=15, blank=True)
    destination_path = models.CharField(_("destination path"), max_length=128, blank=True)
    destination_detail = models.CharField(_("destination address"), max_length=200, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("registered person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passages",
    )
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reasons = models.JSONField(_("flag reasons"), default=list, blank=True)
    key_area = models.CharField(_("key area"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("passage person")
        verbose_name_plural = _("passage people")
        ordering = ["passage", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__gte=35, temperature__lte=42),
                name="passage_person_temperature_range",
            ),
        ]
        indexes = [
            models.Index(fields=["doc_number"], name="passage_person_doc_idx"),
            models.Index(
                fields=["destination_path", "id"],
                name="passage_person_dest_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_doc_number(self) -> str:
        return mask_id(self.doc_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(FlagReason.choices)
        out = []
        for code in self.flag_reasons or []:
            label = str(labels.get(code, code))
            if code == FlagReason.KEY_AREA and self.key_area:
                label = f"{label}（{self.key_area}）"
            out.append(label)
        return out


class Handover(models.Model):
    """A flagged traveller handed to their destination (交办): it is in the to-do list of every
    user whose subtree holds ``destination_path`` until someone there marks it handled.

    The destination side reads this row, its traveller and the facts of the passage, and
    nothing else of the checkpoint's traffic.
    """

    scope_path_field = "destination_path"

    entry = models.OneToOneField(
        PassagePerson,
        verbose_name=_("traveller"),
        on_delete=models.PROTECT,
        related_name="handover",
    )
    destination = models.ForeignKey(
        "regions.Division",
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_path = models.CharField(_("destination path"), max_length=128)
    status = models.CharField(
        _("status"), max_length=8, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("flagged traveller")
        verbose_name_plural = _("flagged travellers")
        ordering = ["-id"]
        permissions = [("handle_handover", _("Can mark flagged travellers handled"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", handled_at=None)
                | models.Q(status="handled", handled_at__isnull=False),
                name="handover_handled_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "destination_path", "id"],
                name="handover_todo_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["destination_path", "id"],
                name="handover_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # Zero reporting (zeroreport/figures.py): one day's hand-overs under a path.
            models.Index(
                fields=["created_at", "destination_path"],
                name="handover_created_path_idx",
                opclasses=["timestamptz_ops", "varchar_pattern_ops"],
            ),
            # ... and those handled on a day, or after it (pending at its end), under a path.
            models.Index(
                fields=["handled_at", "destination_path"],
                name="handover_handled_path_idx",
                opclasses=["timestamptz_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.destination_id}"

    def get_absolute_url(self) -> str:
        return reverse("checkpoints:handle", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == HandoverStatus.PENDING
