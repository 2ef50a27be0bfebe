"""Writing audit rows. Every action in every app calls :func:`record` in its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from fangkong.audit import syslog
from fangkong.audit.context import current_origin
from fangkong.audit.models import AuditEvent

if TYPE_CHECKING:
    from fangkong.accounts.models import User

events_log = logging.getLogger("fangkong.audit.events")


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the before/after record."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` on ``obj`` (foreign keys as their ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            out[name] = _plain(getattr(obj, field.attname))
        else:
            out[name] = _plain(getattr(obj, name))
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {
        k: [_plain(before.get(k)), _plain(after.get(k))]
        for k in keys
        if _plain(before.get(k)) != _plain(after.get(k))
    }


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    division_path: str = "",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row. Must run inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    origin = current_origin()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    label = "系统"
    if actor is not None:
        label = actor.get_username()
    event = AuditEvent.objects.create(
        actor=actor,
        actor_label=label[:150],
        action=action,
        object_type=(object_type or "")[:64],
        object_id=(object_id or "")[:64],
        object_repr=(object_repr or "")[:200],
        division_path=division_path,
        changes=dict(changes or {}),
        reason=reason[:200],
        client_ip=origin.client_ip[:64],
        channel=origin.channel,
    )
    if events_log.isEnabledFor(logging.INFO):  # to syslog, once committed (audit/syslog.py)
        transaction.on_commit(lambda: events_log.info(syslog.line(event)))
    return event
