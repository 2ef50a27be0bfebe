"""The writes of the signal part of early warning: a leader's verdict on a signal and a
province's method parameters. Detection runs (alarms, signals, escalations) are in
``warning.detection``, which the nightly command and the demo call as the system."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction, ensure_in_scope, scope_of
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning.choices import Verdict
from fangkong.warning.models import Parameters, Signal
from fangkong.warning.permissions import WarningPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_NOTE = Signal._meta.get_field("verdict_note").max_length or 300


def judge_signal(signal: Signal, *, actor: User, verdict: str, note: str = "") -> Signal:
    """Give ``signal`` the leader's verdict (real signal, explained, false alarm; "explained"
    says how in ``note``); the signal's escalation is resolved. A verdict can be changed later:
    the audit row keeps the old one."""
    if not actor.has_perm(WarningPerm.JUDGE):
        raise PermissionDenied
    if verdict not in Verdict.values:
        raise ActionError(_("Choose a verdict."), code="bad_verdict", field="verdict")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise ActionError(
            _("The note is at most %(max)s characters.") % {"max": MAX_NOTE},
            code="note_too_long",
            field="note",
        )
    if verdict == Verdict.EXPLAINED and not note:
        raise ActionError(_("Say what explains the signal."), code="note_required", field="note")
    with transaction.atomic():
        locked = Signal.objects.select_for_update().get(pk=signal.pk)
        ensure_in_scope(actor, locked.division_path)
        fields = ("verdict", "verdict_note", "verdict_by", "verdict_at")
        before = snapshot(locked, fields)
        locked.verdict = verdict
        locked.verdict_note = note
        locked.verdict_by = actor
        locked.verdict_at = timezone.now()
        locked.save(update_fields=[*fields])
        if locked.escalation_key:
            from fangkong.notifications.escalation import resolve_escalation

            resolve_escalation(locked.escalation_key)
        changes = diff(before, snapshot(locked, fields))
        changes.pop("verdict_at", None)
        record(
            actor=actor,
            action="warning.signal_judge" if not before["verdict"] else "warning.signal_rejudge",
            obj=locked,
            division_path=locked.division_path,
            changes=changes,
        )
    return locked


# name: (lowest, highest, lowest included, highest included, whole number)
BOUNDS: dict[str, tuple[float, float, bool, bool, bool]] = {
    "si_mean": (1, 30, False, False, False),
    "si_sd": (0, 30, False, False, False),
    "ears_alpha": (0, 0.5, False, False, False),
    "ears_baseline": (3, 28, True, True, True),
    "ears_min_sigma": (0, 1000, True, True, False),
    "percentile": (50, 99, True, True, True),
    "cusum_k": (0, 10, False, True, False),
    "cusum_h": (0, 100, False, True, False),
}
PARAMETER_FIELDS = tuple(BOUNDS)


def label(name: str) -> str:
    """The verbose name of a parameter's field."""
    return str(getattr(Parameters._meta.get_field(name), "verbose_name", name))


def _interval(name: str) -> str:
    low, high, low_in, high_in, _whole = BOUNDS[name]
    return f"{'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"


def check_parameter(name: str, value: Any) -> float | int:
    """``value`` as the parameter ``name`` takes it, or ActionError saying its bounds."""
    low, high, low_in, high_in, whole = BOUNDS[name]
    message = _("%(name)s must lie in %(interval)s.") % {
        "name": label(name),
        "interval": _interval(name),
    }
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ActionError(message, code="bad_parameter", field=name) from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise ActionError(message, code="bad_parameter", field=name)
    if whole and number != int(number):
        raise ActionError(
            _("%(name)s must be a whole number.") % {"name": label(name)},
            code="bad_parameter",
            field=name,
        )
    above = number >= low if low_in else number > low
    below = number <= high if high_in else number < high
    if not (above and below):
        raise ActionError(message, code="bad_parameter", field=name)
    return int(number) if whole else number


def can_manage_parameters(actor: User | None, province: Division) -> bool:
    """The parameters are one set per province: its own users with the role may set them."""
    if actor is None:
        return True
    scope = scope_of(actor)
    return scope is not None and (
        province.path.startswith(scope) or scope.startswith(province.path)
    )


def set_parameters(province: Division, *, actor: User | None, **values: Any) -> Parameters:
    """Set the method parameters of ``province`` (any of :data:`PARAMETER_FIELDS`; the others
    keep their value). Each is checked against its bounds; audited with the old values."""
    if actor is not None and not actor.has_perm(WarningPerm.MANAGE_PARAMETERS):
        raise PermissionDenied
    if province.level != Level.PROVINCE:
        raise ActionError(_("Parameters are set per province."), code="not_a_province")
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ActionError(
            _("Unknown parameter: %(name)s.") % {"name": ", ".join(sorted(unknown))},
            code="bad_parameter",
        )
    checked = {name: check_parameter(name, value) for name, value in values.items()}
    with transaction.atomic():
        if not can_manage_parameters(actor, province):
            raise OutOfJurisdiction(_("This record is not in your jurisdiction."))
        row, created = Parameters.objects.select_for_update().get_or_create(
            division=province, defaults={"division_path": province.path}
        )
        before = {} if created else snapshot(row, PARAMETER_FIELDS)
        for name, value in checked.items():
            setattr(row, name, value)
        row.updated_by = actor
        row.save()
        record(
            actor=actor,
            action="warning.parameters_set",
            obj=row,
            division_path=province.path,
            changes=diff(before, snapshot(row, PARAMETER_FIELDS)),
        )
    return row


def parameters_of(province: Division) -> Parameters:
    """The province's row, or an unsaved one holding the defaults."""
    found = Parameters.objects.filter(division=province).first()
    return found or Parameters(division=province, division_path=province.path)
