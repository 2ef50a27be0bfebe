"""Keeping the audit log no longer than needed, and never shorter than the retention period
(docs/audit.md "Retention"): the one action that removes audit rows, for the table's owner."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from fangkong.audit import syslog
from fangkong.audit.actions import record
from fangkong.audit.database import AUDIT_TABLE, owner_session
from fangkong.audit.models import AuditEvent

if TYPE_CHECKING:
    from fangkong.accounts.models import User


class RetentionError(ValueError):
    """A purge that would remove rows younger than the retention period."""


def purge_audit(*, actor: User | None, before: dt.date, archive: Path) -> int:
    """Archive the audit rows written before ``before`` (a day in Asia/Shanghai) to
    ``archive`` (JSON lines, created mode 0600, never overwritten), then delete them; returns how
    many. Refuses a day inside the retention period (``FANGKONG_AUDIT_RETENTION_DAYS``, at least
    183 days). The database lets only the audit table's owner delete (docs/audit.md): run it
    with the owner's ``DATABASE_URL``; as the application's role it fails and removes nothing.
    """
    days = settings.FANGKONG_AUDIT_RETENTION_DAYS
    keep_from = timezone.localdate() - dt.timedelta(days=days)
    if before > keep_from:
        raise RetentionError(
            gettext(
                "Audit rows are kept for %(days)s days: only rows before %(day)s may be purged."
            )
            % {"days": days, "day": keep_from.isoformat()}
        )
    cutoff = dt.datetime.combine(before, dt.time(), tzinfo=timezone.get_current_timezone())
    fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        count = _archive_and_delete(actor, before, cutoff, archive, fd)
    except BaseException:
        archive.unlink(missing_ok=True)  # nothing was deleted: no archive either
        raise
    return count


def _archive_and_delete(
    actor: User | None, before: dt.date, cutoff: dt.datetime, archive: Path, fd: int
) -> int:
    rows = AuditEvent.objects.filter(at__lt=cutoff).order_by("id")
    with transaction.atomic():
        digest = hashlib.sha256()
        count = 0
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for event in rows.iterator(chunk_size=2000):
                text = syslog.line(event) + "\n"
                out.write(text)
                digest.update(text.encode())
                count += 1
        with owner_session(), transaction.get_connection().cursor() as cursor:
            cursor.execute(f"DELETE FROM {AUDIT_TABLE} WHERE at < %s", [cutoff])  # noqa: S608
            if cursor.rowcount != count:  # pragma: no cover - rows are never written back-dated
                raise RuntimeError("audit rows changed while they were archived")
        record(
            actor=actor,
            action="audit.purge",
            object_type="audit.auditevent",
            object_id="*",
            object_repr=gettext("%(count)s audit rows") % {"count": count},
            changes={
                "before": [None, before.isoformat()],
                "rows_deleted": [0, count],
                "archive": [None, str(archive)],
                "archive_sha256": [None, digest.hexdigest()],
            },
        )
    return count
