"""The audit log: one append-only row for every action anyone takes."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit row."""


class AuditQuerySet(ScopedQuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(gettext("The audit log is append-only: entries cannot be changed."))

    def delete(self) -> NoReturn:
        raise AppendOnlyError(gettext("The audit log is append-only: entries cannot be deleted."))


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, and what changed (before → after).

    Rows are written by actions in the same transaction as the change they describe. There is
    no update or delete path: the queryset and the model refuse both, and on PostgreSQL and
    SQLite a trigger refuses UPDATE as well.
    """

    scope_path_field = "division_path"

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    division_path = models.CharField(_("division path"), max_length=128, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    client_ip = models.CharField(_("client address"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
            models.Index(fields=["division_path", "id"], name="audit_division_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError(
                gettext("The audit log is append-only: entries cannot be changed.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(gettext("The audit log is append-only: entries cannot be deleted."))
