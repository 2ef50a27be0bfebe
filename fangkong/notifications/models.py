"""Notifications (通知, issue #11): one row per message to one person, in the app (unread count
in the header) and, by the configured senders, by SMS or WeChat Work. Every notification records
its delivery state per channel; delivery runs as a background task after the transaction that
created the notification commits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about (the list filters by it)."""

    DIRECTIVE = "directive", _("directive")
    ESCALATION = "escalation", _("escalation")
    REPORT_REMINDER = "report_reminder", _("report reminder")
    REPORT_REVIEW = "report_review", _("report reviewed")
    ALERT = "alert", _("alert")
    OTHER = "other", _("other")


class Delivery(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent (no address)")


class Notification(models.Model):
    """A message to one person: a user (shown in the app) and/or a phone number (SMS, WeChat
    Work). ``key`` makes a notification idempotent: the same key to the same recipient is stored
    once, so a reminder or escalation run twice sends once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    name = models.CharField(_("recipient name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # delivery by channel: {"sms": "sent", "wechat": "failed: ..."}; the overall state below
    channels = models.JSONField(_("delivery by channel"), default=dict, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key="") & models.Q(user__isnull=False),
                name="notification_user_key_once",
            ),
            models.UniqueConstraint(
                fields=["phone", "key"],
                condition=~models.Q(key="") & models.Q(user__isnull=True),
                name="notification_phone_key_once",
            ),
        ]
        indexes = [
            # the header's unread count and the user's list
            models.Index(fields=["user", "read_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["delivery", "id"], name="notification_delivery_idx"),
        ]

    def __str__(self) -> str:
        return self.title
