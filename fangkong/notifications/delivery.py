"""Delivery of stored notifications through the configured senders (run by the background
task, and by ``fangkong deliver_notifications`` for what is still pending)."""

from __future__ import annotations

from django.utils import timezone

from fangkong.notifications import senders
from fangkong.notifications.models import Delivery, Notification


def deliver(ids: list[int]) -> int:
    """Send each pending notification of ``ids`` through every configured sender and record
    the outcome per channel; returns how many were handled. A sender's exception is recorded
    as that channel's failure, never raised: one bad gateway does not stop the rest."""
    done = 0
    for n in Notification.objects.filter(pk__in=ids, delivery=Delivery.PENDING):
        channels: dict[str, str] = {}
        failed = False
        sent = False
        for sender in senders.configured():
            try:
                result = sender.send(n)
            except Exception as exc:  # a gateway's error is data here
                channels[sender.channel] = f"failed: {exc}"[:200]
                failed = True
                continue
            if result.skipped:
                channels[sender.channel] = "skipped"
            elif result.ok:
                channels[sender.channel] = "sent"
                sent = True
            else:
                channels[sender.channel] = f"failed: {result.detail}"[:200]
                failed = True
        state = Delivery.FAILED if failed else Delivery.SENT if sent else Delivery.SKIPPED
        Notification.objects.filter(pk=n.pk).update(
            channels=channels, delivery=state, delivered_at=timezone.now()
        )
        done += 1
    return done
