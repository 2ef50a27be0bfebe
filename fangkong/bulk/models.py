"""Bulk work: an import job is one uploaded file and what became of it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.jurisdiction import ScopedQuerySet

ERRORS_KEPT = 1000  # the first errors of a file are kept on the job; the rejects file has all


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", pgettext_lazy("import status", "done")
    FAILED = "failed", _("failed")
    REFUSED = "refused", _("refused")


FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.REFUSED)


PRIVATE_DIR = 0o700  # a job's directory: the service user only
PRIVATE_FILE = 0o600  # an upload or a rejected-rows file: the service user only


def lease() -> dt.timedelta:
    """How long a running job may go without a sign of life before it counts as abandoned."""
    return dt.timedelta(seconds=settings.FANGKONG_IMPORT_LEASE_SECONDS)


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


class ImportJob(models.Model):
    """One uploaded file imported into the registry (for now, a screening list), and its
    outcome: counts, the errors by row and column, and the rejected rows as a file to fix.

    ``division_path`` is the home division of whoever uploaded it: the job is seen by them and
    by the offices above, like any record of that division. The file is kept under
    ``var/imports/<id>/``.
    """

    scope_path_field = "division_path"

    # The name of a kind some app registers (bulk/imports.py); no fixed choices, so that a new
    # app's kind needs no edit here.
    kind = models.CharField(_("kind"), max_length=20)
    division_path = models.CharField(_("division path"), max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    valid_only = models.BooleanField(_("import the valid rows only"), default=False)
    message = models.CharField(_("message"), max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    existing_count = models.PositiveIntegerField(_("already imported"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    rejects_path = models.CharField(_("rejected rows file"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The lease of the process running it: renewed while it runs; a running job whose lease
    # ran out (its worker was killed) is queued again once, then failed (bulk.actions).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("runs started"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        # Exports have no table of their own (each is an audit row): their permission lives
        # here, with the app's only model (bulk/exports.py, docs/bulk.md "Export").
        permissions = [("export_list", _("Can export lists (CSV and Excel)"))]
        indexes = [
            models.Index(
                fields=["division_path", "id"],
                name="importjob_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("bulk:import_detail", args=[self.pk])

    @property
    def directory(self) -> Path:
        return imports_dir() / str(self.pk)

    def keep(self, source: Path | None = None) -> Path:
        """A fresh directory for the job (a leftover of a job with the same id in another
        database is removed), holding a copy of ``source`` as the upload if given."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Personal data: readable by the service user only, whatever the umask.
        self.directory.chmod(PRIVATE_DIR)
        if source is not None:
            shutil.copyfile(source, self.upload_path)
            self.upload_path.chmod(PRIVATE_FILE)
        return self.upload_path

    @property
    def upload_path(self) -> Path:
        suffix = Path(self.filename).suffix.lower()
        return self.directory / f"upload{suffix if suffix in ('.csv', '.xlsx') else ''}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def stalled(self) -> bool:
        """Running, but no sign of life from its process for longer than the lease."""
        return (
            self.status == ImportStatus.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < timezone.now() - lease()
        )

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
