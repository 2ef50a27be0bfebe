"""Words for people in place of the audit log's codes: actions, channels and changed fields.

The audit row keeps stable codes (``grid.create``, ``web``, ``home_division``) so that it can
be filtered and read by machines; the list page shows these labels in the reader's language.
Each app labels its own action codes in ``<app>/registry.py`` (``AUDIT_LABELS``), collected
here; a test fails when a code written anywhere has no label (``audit/tests/test_labels.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from fangkong.audit.models import AuditEvent
from fangkong.core.discovery import collect


@functools.cache
def actions() -> dict[str, Promise]:
    """The label of every audit action code: every app's ``AUDIT_LABELS`` (in
    ``<app>/registry.py``), collected on first use. A code is labelled by one app only."""
    found: dict[str, Promise] = {}
    for config, labels in collect("AUDIT_LABELS"):
        for code, label in labels.items():
            if code in found:
                raise ImproperlyConfigured(
                    f"audit action {code!r} is labelled twice (again in {config.name}.registry)"
                )
            found[code] = label
    return found


CHANNELS: dict[str, Promise] = {
    "web": _("web"),
    "api": _("API"),
    "cli": _("command line"),
    "system": _("system"),
}

# Record types that are no model (the others are named by their model's verbose_name).
OBJECT_TYPES: dict[str, Promise] = {
    "bulk.export": _("list export"),
}

# Per record type, a field whose verbose_name does not say what it holds there.
FIELD_OVERRIDES: dict[tuple[str, str], Promise] = {
    ("regions.gridstaff", "name"): _("full name"),
    ("regions.gridstaff", "active"): _("on duty"),
    ("regions.division", "active"): _("in use"),
}

# Keys of ``changes`` that are no field of the record: counts and lists an action notes.
EXTRA_FIELDS: dict[str, Promise] = {
    "roles": _("roles"),
    "ended_assignments": _("assignments ended"),
    "moved_staff": _("staff moved"),
    "merged_from": _("merged from"),
    "created": _("created"),
    "updated": _("updated"),
    "revoked": _("revoked"),
    # demo.screening (demo/screening.py)
    "screenings": _("screenings"),
    "observations": _("medical observations"),
    "observations_active": _("under observation"),
    "check_ins": _("check-ins"),
    "referred_at_door": _("referral to a fever clinic"),
    "file": _("file"),
    "sha256": _("SHA-256"),
    "rows": _("rows"),
    "existing": _("already imported"),
    "rejected": _("rejected"),
    "people_created": _("people created"),
    # bulk.purge_import_files (bulk/actions.py)
    "files_deleted": _("imports whose files were deleted"),
    "older_than_days": _("kept for days"),
    # bulk.export (bulk/exports.py)
    "export_list": _("list exported"),
    "export_format": _("file format"),
    "export_filters": _("filters"),
    "export_rows": _("rows"),
    "export_masked": _("ID numbers and phones masked"),
}


@functools.cache
def extra_fields() -> dict[str, Promise]:
    """The shared extra keys above, and each app's own (``AUDIT_FIELDS`` in its
    ``registry.py``): the counts and notes its actions record that are no field of a model."""
    found = dict(EXTRA_FIELDS)
    for _config, labels in collect("AUDIT_FIELDS"):
        found.update(labels)
    return found


def action_label(code: str) -> str:
    return str(actions().get(code, code))


def channel_label(code: str) -> str:
    return str(CHANNELS.get(code, code))


def object_type_label(object_type: str) -> str:
    """The record type (``app_label.model``) in words: its model's verbose name."""
    if object_type in OBJECT_TYPES:
        return str(OBJECT_TYPES[object_type])
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def field_label(object_type: str, name: str) -> str:
    """The verbose name of field ``name`` of the record type (``app_label.model``), where the
    type and the field are known; otherwise a label for a known extra key, or ``name`` itself."""
    override = FIELD_OVERRIDES.get((object_type, name))
    if override is not None:
        return str(override)
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return str(extra_fields().get(name, name))


def _model_field(object_type: str, name: str) -> Any:
    try:
        return apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return None


def value_label(object_type: str, name: str, value: Any) -> Any:
    """How a recorded value reads: yes or no for a boolean (never ``False``), the label of a
    choice of the field (``released``: 解除观察), a list or a mapping spelled out; None stays
    None (the page shows ∅)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return "、".join(str(value_label(object_type, name, v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(object_type, str(k))}: {value_label(object_type, str(k), v)}"
            for k, v in value.items()
        )
    field = _model_field(object_type, name)
    # A reverse relation (``people`` on a passage) has no choices of its own.
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if str(value) in choices:
        return str(choices[str(value)])
    return value


def _quoted(value: Any) -> str:
    """A value inside a sentence: numbers as they are, words in corner brackets (「是」)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return pgettext("quoted value in a sentence", "“%(value)s”") % {"value": value}


def change_sentence(label: str, before: Any, after: Any) -> str:
    """One change as a sentence: 名称由「第一网格」改为「华阳东区」, 在岗为「否」, 行数为3;
    an empty text reads as empty (备注为空), not as empty quotes."""
    before = None if before == "" else before
    after = None if after == "" else after
    if before is None and after is None:
        return gettext("%(field)s left empty") % {"field": label}
    if before is None:
        return gettext("%(field)s set to %(value)s") % {"field": label, "value": _quoted(after)}
    if after is None:
        return gettext("%(field)s cleared (was %(value)s)") % {
            "field": label,
            "value": _quoted(before),
        }
    return gettext("%(field)s changed from %(before)s to %(after)s") % {
        "field": label,
        "before": _quoted(before),
        "after": _quoted(after),
    }


@dataclass(frozen=True)
class Change:
    name: str  # the raw key, kept for administrators
    label: str
    before: Any
    after: Any

    @property
    def sentence(self) -> str:
        return change_sentence(self.label, self.before, self.after)


def actor_words(event: AuditEvent) -> str:
    """Who did it: the user's full name with the account name (王芳（wangfang）), the account
    name alone, or 系统 for the system itself. ``event.actor`` should be fetched with the row."""
    user = event.actor if event.actor_id else None
    name = getattr(user, "full_name", "") if user is not None else ""
    if name and name != event.actor_label:
        return gettext("%(name)s (%(username)s)") % {"name": name, "username": event.actor_label}
    return event.actor_label


@dataclass(frozen=True)
class LabelledEvent:
    event: AuditEvent
    action: str
    channel: str
    object_type: str
    changes: list[Change]

    @property
    def record_words(self) -> str:
        """The record as a reader names it: its description, or its type and number."""
        if self.event.object_repr:
            return self.event.object_repr
        if self.event.object_id:
            return f"{self.object_type} #{self.event.object_id}"
        return self.object_type

    @property
    def sentence(self) -> str:
        """<who> 于 <when> <did what>「<record>」: the row as one sentence."""
        when = date_format(timezone.localtime(self.event.at), "Y-m-d H:i")
        return gettext("%(who)s %(action)s “%(record)s” on %(when)s") % {
            "who": actor_words(self.event),
            "when": when,
            "action": self.action,
            "record": self.record_words,
        }

    @property
    def origin(self) -> str:
        """How the action came in: through the web, the API, the command line, and from where."""
        if self.event.client_ip:
            return gettext("through %(channel)s, from %(address)s") % {
                "channel": self.channel,
                "address": self.event.client_ip,
            }
        return gettext("through %(channel)s") % {"channel": self.channel}


def labelled(event: AuditEvent) -> LabelledEvent:
    changes = []
    recorded = event.changes if isinstance(event.changes, dict) else {}
    for name, pair in recorded.items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        kind = event.object_type
        changes.append(
            Change(
                name,
                field_label(kind, name),
                value_label(kind, name, before),
                value_label(kind, name, after),
            )
        )
    return LabelledEvent(
        event=event,
        action=action_label(event.action),
        channel=channel_label(event.channel),
        object_type=object_type_label(event.object_type),
        changes=changes,
    )
