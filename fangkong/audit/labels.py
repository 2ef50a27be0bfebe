"""Words for people in place of the audit log's codes: actions, channels and changed fields.

The audit row keeps stable codes (``grid.create``, ``web``, ``home_division``) so that it can
be filtered and read by machines; the list page shows these labels in the reader's language.
A code without a label (an action of an app that has not added one yet) is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.audit.models import AuditEvent

ACTIONS: dict[str, Promise] = {
    "division.create": _("add division"),
    "division.update": _("change division"),
    "divisions.import": _("import divisions"),
    "grid.create": _("create grid"),
    "grid.rename": _("rename grid"),
    "grid.retire": _("retire grid"),
    "grid.merge": _("merge grid into another"),
    "grid.merge_in": _("take in a merged grid"),
    "grid.assign": _("assign staff to grid"),
    "grid.unassign": _("end grid assignment"),
    "grid_staff.create": _("register grid staff"),
    "grid_staff.update": _("change grid staff"),
    "user.create": _("create user"),
    "user.update": _("change user"),
    "user.deactivate": _("deactivate user"),
    "user.reset_password": _("reset password"),
    "user.change_password": _("change own password"),
    "user.login": _("log in"),
    "user.login_failed": _("failed login"),
    "user.logout": _("log out"),
    "token.create": _("create API token"),
    "token.revoke": _("revoke API token"),
    "demo.screening": _("load the demo screening sweep"),
    "screening.import": _("import screenings from a file"),
    "bulk.purge_import_files": _("delete the files of old imports"),
    "bulk.export": _("export a list"),
    "grid_day.confirm": _("confirm a grid's day"),
    "grid_day.zero_report": _("submit a zero report"),
    "grid_days.refresh": _("update the daily figures"),
}

CHANNELS: dict[str, Promise] = {
    "web": _("web"),
    "api": _("API"),
    "cli": _("command line"),
    "system": _("system"),
}

# Per record type, a field whose verbose_name does not say what it holds there.
FIELD_OVERRIDES: dict[tuple[str, str], Promise] = {
    ("regions.gridstaff", "name"): _("full name"),
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


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def channel_label(code: str) -> str:
    return str(CHANNELS.get(code, code))


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
        return str(EXTRA_FIELDS.get(name, name))


@dataclass(frozen=True)
class Change:
    name: str  # the raw key, kept for administrators
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LabelledEvent:
    event: AuditEvent
    action: str
    channel: str
    changes: list[Change]


def labelled(event: AuditEvent) -> LabelledEvent:
    changes = []
    recorded = event.changes if isinstance(event.changes, dict) else {}
    for name, pair in recorded.items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        changes.append(Change(name, field_label(event.object_type, name), before, after))
    return LabelledEvent(
        event=event,
        action=action_label(event.action),
        channel=channel_label(event.channel),
        changes=changes,
    )
