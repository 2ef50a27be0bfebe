"""Notifications (通知, issue #11): one row per message to one person, in the app (unread count
in the header) and, by the configured senders, by SMS or WeChat Work. Every notification records
its delivery state per channel; delivery runs as a background task after the transaction that
created the notification commits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet


class NotificationKind(models.TextChoices):
    """What a notification is about (the list filters by it). Imported as ``Kind``; the class
    name is unique in the API's description."""

    DIRECTIVE = "directive", _("directive")
    ESCALATION = "escalation", _("escalation")
    REPORT_REMINDER = "report_reminder", _("report reminder")
    REPORT_REVIEW = "report_review", _("report reviewed")
    ALERT = "alert", _("alert")
    OTHER = "other", _("other")


Kind = NotificationKind


class NotificationDelivery(models.TextChoices):
    """Where a notification's delivery stands (imported as ``Delivery``)."""

    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent (no address)")


Delivery = NotificationDelivery


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

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def safe_link(self) -> str:
        """The link when it is an address on this site ("/command/..."), else empty: a
        notification never sends a reader to another site (no "//host", no scheme)."""
        return self.link if is_site_link(self.link) else ""


def is_site_link(link: str) -> bool:
    """A path on this site: starts with one "/", no backslash, no control or space."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and link.isprintable()
        and " " not in link
    )


class Escalation(models.Model):
    """Something that stays open at a division until it is dealt with (an overdue directive, a
    missing daily report, an alert from another module): its responsible leaders and command
    office are notified, and while it stays open, every ``FANGKONG_ESCALATE_AFTER_HOURS`` it
    moves one level up (``reached``) and the level above is notified, up to the province.
    ``key`` names it for its source (``directive:12:220102001``), so opening it twice opens it
    once."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    reached = models.ForeignKey(
        "regions.Division",
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    field = models.CharField(_("field"), max_length=16, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=100, unique=True)
    source = models.CharField(_("source"), max_length=50, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    escalated_at = models.DateTimeField(_("escalated at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-opened_at", "-id"]
        indexes = [
            # what the periodic run raises: open ones, oldest escalation first
            models.Index(
                fields=["escalated_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="escalation_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
