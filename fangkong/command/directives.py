"""Every write of directives (指令) and closure orders: issuing one to subordinate divisions (or
departments at them), a recipient acknowledging, reporting progress, completing with evidence or
passing it on to its own subordinates, the venues registry, confirming and checking closures,
reopening, and escalating overdue recipients. Each is audited in its transaction and kept inside
the actor's jurisdiction. The fan-out to thousands of recipients is one bulk insert and one
audit row (see docs/command.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.command.choices import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    ClosureState,
    Department,
    DirectiveKind,
    RecipientState,
    VenueKind,
)
from fangkong.command.models import (
    Attachment,
    Directive,
    DirectiveRecipient,
    Venue,
    VenueClosure,
)
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction, ensure_in_scope
from fangkong.core.validators import clean_line, clean_prose
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_TITLE = 100
MAX_CONTENT = 20_000
MAX_NOTE = 2_000
MAX_VENUE_NAME = 100
MAX_ADDRESS = 200
MAX_CODES = 20_000
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class Upload(Protocol):
    """What an uploaded file offers (Django's ``UploadedFile``)."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...
    def seek(self, pos: int, whence: int = 0) -> int: ...
    def read(self, size: int = -1) -> bytes: ...


# --- attachments -------------------------------------------------------------------------------

# extension → (family, content type)
ALLOWED = {
    "pdf": ("pdf", "application/pdf"),
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "ppt": ("ole", "application/vnd.ms-powerpoint"),
    "wps": ("ole", "application/vnd.ms-works"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
}
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def _sniff(upload: Upload) -> str | None:
    """The family of a file by its first bytes (and, for a zip, its parts), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        for prefix, family in OOXML_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return family
    return None


def too_large_message() -> str:
    """For an upload stopped before its end (larger than the upload handler lets through)."""
    return _("The file is too large: at most %(max)s MB.") % {
        "max": MAX_ATTACHMENT_BYTES // 1024 // 1024
    }


@dataclass(frozen=True)
class CheckedFile:
    upload: Upload
    name: str
    content_type: str
    size: int


def check_attachment(upload: Upload, *, field: str = "attachments") -> CheckedFile:
    """Refuse anything but a PDF, an Office document or an image whose content agrees with its
    extension, at most 20 MB, with a message naming the file."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "?"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    size = int(upload.size or 0)
    if size <= 0:
        raise ActionError(
            _("%(name)s is empty.") % {"name": name}, code="attachment_empty", field=field
        )
    if size > MAX_ATTACHMENT_BYTES:
        raise ActionError(
            _("%(name)s is too large: %(size)s MB, at most %(max)s MB.")
            % {
                "name": name,
                "size": f"{size / 1024 / 1024:.1f}",
                "max": MAX_ATTACHMENT_BYTES // 1024 // 1024,
            },
            code="attachment_too_large",
            field=field,
        )
    family = _sniff(upload)
    if ext not in ALLOWED or family is None:
        raise ActionError(
            _(
                "%(name)s is refused: only PDF, Word, Excel, PowerPoint and images (PNG, JPEG, "
                "GIF) may be attached; programs, scripts and other files may not."
            )
            % {"name": name},
            code="attachment_type",
            field=field,
        )
    want, content_type = ALLOWED[ext]
    if family != want:
        raise ActionError(
            _("%(name)s is refused: its content does not match its extension .%(ext)s.")
            % {"name": name, "ext": ext},
            code="attachment_mismatch",
            field=field,
        )
    return CheckedFile(upload, name, content_type, size)


def check_attachments(uploads: Sequence[Upload] | None) -> list[CheckedFile]:
    files = list(uploads or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ActionError(
            _("At most %(n)s files may be attached.") % {"n": MAX_ATTACHMENTS},
            code="too_many_attachments",
            field="attachments",
        )
    return [check_attachment(f) for f in files]


def _store(
    checked: CheckedFile,
    *,
    actor: User | None,
    directive: Directive,
    division_path: str,
    recipient: DirectiveRecipient | None = None,
) -> Attachment:
    """Keep a checked file under var/attachments/<id>/file, 0600 in a 0700 directory (every
    check has passed before: a refused file writes nothing)."""
    digest = hashlib.sha256()
    att = Attachment.objects.create(
        directive=directive,
        recipient=recipient,
        division_path=division_path,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256="",
        uploaded_by=actor,
    )
    folder = att.path.parent
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(PRIVATE_DIR)
    fd = os.open(att.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    checked.upload.seek(0)
    with os.fdopen(fd, "wb") as out:
        for chunk in checked.upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    att.sha256 = digest.hexdigest()
    att.save(update_fields=["sha256"])
    return att


@transaction.atomic
def add_attachments(
    *, actor: User | None, directive: Directive, attachments: Sequence[Upload]
) -> list[Attachment]:
    """Attach more files to a directive (its issuer's side), every file checked first."""
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    ensure_in_scope(actor, directive.division_path)
    checked = check_attachments(attachments)
    if not checked:
        raise ActionError(_("Choose a file."), code="no_file", field="attachments")
    if directive.attachments.filter(recipient__isnull=True).count() + len(checked) > (
        MAX_ATTACHMENTS
    ):
        raise ActionError(
            _("At most %(n)s files may be attached.") % {"n": MAX_ATTACHMENTS},
            code="too_many_attachments",
            field="attachments",
        )
    stored = [
        _store(c, actor=actor, directive=directive, division_path=directive.division_path)
        for c in checked
    ]
    record(
        actor=actor,
        action="command.directive_attach",
        obj=directive,
        division_path=directive.division_path,
        changes={"attachments": [None, [a.name for a in stored]]},
    )
    return stored


def open_attachment(*, actor: User | None, attachment: Attachment) -> IO[bytes]:
    """Open a kept file for download; audited (who read which file)."""
    with transaction.atomic():
        record(
            actor=actor,
            action="command.attachment_download",
            obj=attachment,
            division_path=attachment.division_path,
            changes={"directive": [None, attachment.directive_id]},
        )
    try:
        return attachment.path.open("rb")
    except OSError as exc:
        raise ActionError(
            _("The file %(name)s is no longer kept.") % {"name": attachment.name},
            code="file_gone",
        ) from exc


# --- issuing -----------------------------------------------------------------------------------


def _deadline(value: dt.datetime | None, *, now: dt.datetime) -> dt.datetime:
    if value is None:
        raise ActionError(_("Enter the deadline."), code="deadline_required", field="deadline")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= now:
        raise ActionError(
            _("The deadline is in the past: choose a time after now."),
            code="deadline_in_past",
            field="deadline",
        )
    if value.year > 2100:
        raise ActionError(_("The deadline is too far away."), code="bad_deadline", field="deadline")
    return value


def _departments(values: Iterable[str] | None) -> list[str]:
    chosen: list[str] = []
    for v in values or []:
        if v not in Department.values:
            raise ActionError(
                _("Unknown department: %(value)s.") % {"value": str(v)[:40]},
                code="bad_department",
                field="departments",
            )
        if v not in chosen:
            chosen.append(str(v))
    return chosen


def _targets(
    issuer: Division,
    *,
    recipients: Sequence[str] | None,
    level: int | None,
    departments: list[str],
) -> list[tuple[int, str]]:
    """(id, path) of the recipient divisions: named by code, or every active division of a
    level under the issuer. One query."""
    if level is not None:
        if recipients:
            raise ActionError(
                _("Choose the recipients or a level, not both."),
                code="recipients_and_level",
                field="recipients",
            )
        if level not in Level.values or level <= issuer.level:
            raise ActionError(
                _("Choose a level below %(issuer)s.") % {"issuer": issuer.name},
                code="bad_level",
                field="level",
            )
        found = list(
            Division.objects.filter(
                path__startswith=issuer.path, level=level, active=True
            ).values_list("id", "path")
        )
        if not found:
            raise ActionError(
                _("There is no active division of this level under %(issuer)s.")
                % {"issuer": issuer.name},
                code="no_recipients",
                field="level",
            )
        return found
    codes = list(dict.fromkeys(str(c).strip() for c in recipients or [] if str(c).strip()))
    if not codes:
        raise ActionError(
            _("Choose at least one recipient."), code="no_recipients", field="recipients"
        )
    if len(codes) > MAX_CODES or any(not (c.isascii() and c.isdigit()) for c in codes):
        raise ActionError(
            _("Recipients are division codes (digits only)."),
            code="bad_recipients",
            field="recipients",
        )
    rows = {
        code: (pk, path, active)
        for code, pk, path, active in Division.objects.filter(code__in=codes).values_list(
            "code", "id", "path", "active"
        )
    }
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise ActionError(
            _("No division with these codes: %(codes)s.") % {"codes": ", ".join(unknown[:10])},
            code="unknown_recipients",
            field="recipients",
        )
    outside = [
        c
        for c in codes
        if not rows[c][1].startswith(issuer.path) or (rows[c][1] == issuer.path and not departments)
    ]
    if outside:
        raise ActionError(
            _(
                "A directive goes only to divisions under %(issuer)s (or to departments at it); "
                "these are not: %(codes)s."
            )
            % {"issuer": issuer.name, "codes": ", ".join(outside[:10])},
            code="recipients_outside",
            field="recipients",
        )
    inactive = [c for c in codes if not rows[c][2]]
    if inactive:
        raise ActionError(
            _("These divisions are retired: %(codes)s.") % {"codes": ", ".join(inactive[:10])},
            code="retired_recipients",
            field="recipients",
        )
    return [(rows[c][0], rows[c][1]) for c in codes]


def _under_any(path: str, prefixes: set[str]) -> bool:
    """Whether ``path`` lies in the subtree of one of ``prefixes`` (by its ancestors' paths)."""
    parts = path.rstrip("/").split("/")
    return any("/".join(parts[:i]) + "/" in prefixes for i in range(1, len(parts) + 1))


def _closure_venues(
    issuer: Division, targets: list[tuple[int, str]], venues: Sequence[int] | None
) -> list[tuple[int, str]]:
    """(id, path) of the venues a closure (or reopening) order covers: those chosen, or every
    active venue in the recipients' subtrees. One query."""
    prefixes = {p for _pk, p in targets}
    qs = Venue.objects.filter(division_path__startswith=issuer.path, active=True)
    if venues is not None:
        wanted = list(dict.fromkeys(int(v) for v in venues))
        if not wanted:
            raise ActionError(_("Choose at least one venue."), code="no_venues", field="venues")
        found = dict(qs.filter(pk__in=wanted).values_list("id", "division_path"))
        missing = [v for v in wanted if v not in found or not _under_any(found[v], prefixes)]
        if missing:
            raise ActionError(
                _("These venues are not active venues in the recipients' areas: %(ids)s.")
                % {"ids": ", ".join(str(v) for v in missing[:10])},
                code="venues_outside",
                field="venues",
            )
        return [(v, found[v]) for v in wanted]
    return [(pk, p) for pk, p in qs.values_list("id", "division_path") if _under_any(p, prefixes)]


def _answering_users(directive: Directive, departments: list[str]) -> Any:
    """Active users at the recipient divisions who may answer a directive (one query)."""
    from fangkong.accounts.models import User
    from fangkong.accounts.roles import group_name

    users = User.objects.filter(
        is_active=True,
        home_division_id__in=DirectiveRecipient.objects.filter(directive=directive).values(
            "division_id"
        ),
        groups__permissions__content_type__app_label="command",
        groups__permissions__codename="change_directiverecipient",
    )
    if departments:
        users = users.filter(groups__name__in=[group_name(d) for d in departments])
    return users.distinct()


@transaction.atomic
def issue_directive(
    *,
    actor: User | None,
    issuer_division: Division,
    title: str,
    content: str,
    deadline: dt.datetime | None,
    feedback_required: str = "",
    recipients: Sequence[str] | None = None,
    level: int | None = None,
    departments: Sequence[str] | None = None,
    kind: str = DirectiveKind.PLAIN,
    venues: Sequence[int] | None = None,
    attachments: Sequence[Upload] | None = None,
    parent_recipient: DirectiveRecipient | None = None,
) -> Directive:
    """Issue a directive from ``issuer_division`` to the divisions named by code in
    ``recipients`` (inside its subtree), or to every active division of ``level`` under it;
    with ``departments``, to those departments at each. A closure order also orders closed
    the ``venues`` chosen (ids), or every active venue in the recipients' subtrees; a reopening
    order reopens them. One bulk insert of recipients (and of closures), one audit row, one
    notification batch to the recipients' answering users."""
    now = timezone.now()
    issuer = Division.objects.get(pk=issuer_division.pk)
    ensure_in_scope(actor, issuer.path)
    if not issuer.active or issuer.level == Level.GRID:
        raise ActionError(
            _("Directives are issued by an active division from the village up."),
            code="bad_issuer",
            field="issuer",
        )
    if kind not in DirectiveKind.values:
        raise ActionError(_("Choose the kind of directive."), code="bad_kind", field="kind")
    clean_title = clean_line(
        title, field="title", limit=MAX_TITLE, required=_("Enter the title of the directive.")
    )
    clean_content = clean_prose(
        content, field="content", limit=MAX_CONTENT, required=_("Enter the content.")
    )
    clean_feedback = clean_prose(feedback_required, field="feedback_required", limit=MAX_NOTE)
    when = _deadline(deadline, now=now)
    depts = _departments(departments)
    targets = _targets(issuer, recipients=recipients, level=level, departments=depts)
    checked = check_attachments(attachments)
    covered: list[tuple[int, str]] = []
    if kind in (DirectiveKind.CLOSURE, DirectiveKind.REOPEN) and parent_recipient is None:
        covered = _closure_venues(issuer, targets, venues)
    elif venues:
        raise ActionError(
            _("Venues are chosen for closure and reopening orders only."),
            code="venues_not_closure",
            field="venues",
        )

    directive = Directive.objects.create(
        division=issuer,
        division_path=issuer.path,
        kind=kind,
        title=clean_title,
        content=clean_content,
        deadline=when,
        feedback_required=clean_feedback,
        target_level=level,
        issued_by=actor,
        parent_recipient=parent_recipient,
        recipient_count=len(targets) * max(len(depts), 1),
    )
    DirectiveRecipient.objects.bulk_create(
        [
            DirectiveRecipient(
                directive=directive,
                division_id=pk,
                division_path=path,
                department=dept,
                deadline=when,
            )
            for pk, path in targets
            for dept in (depts or [""])
        ],
        batch_size=5000,
    )
    closures = reopened = 0
    if kind == DirectiveKind.CLOSURE and covered:
        VenueClosure.objects.bulk_create(
            [
                VenueClosure(
                    directive=directive,
                    directive_path=issuer.path,
                    venue_id=pk,
                    division_path=path,
                )
                for pk, path in covered
            ],
            batch_size=5000,
        )
        closures = len(covered)
    elif kind == DirectiveKind.REOPEN and covered:
        reopened = (
            VenueClosure.objects.filter(
                venue_id__in=[pk for pk, _p in covered],
                directive_path__startswith=issuer.path,
            )
            .exclude(state=ClosureState.REOPENED)
            .update(state=ClosureState.REOPENED, reopened_at=now, reopen_directive=directive)
        )
    stored = [
        _store(c, actor=actor, directive=directive, division_path=issuer.path) for c in checked
    ]
    record(
        actor=actor,
        action="command.directive_issue",
        obj=directive,
        division_path=issuer.path,
        changes={
            "kind": [None, kind],
            "title": [None, clean_title],
            "deadline": [None, when.isoformat()],
            "recipients": [None, directive.recipient_count],
            "level": [None, level],
            "departments": [None, depts or None],
            "venues": [None, closures or reopened or None],
            "attachments": [None, [a.name for a in stored] or None],
            "parent_recipient": [None, parent_recipient.pk if parent_recipient else None],
        },
    )
    _notify_recipients(directive, depts)
    return directive


def _notify_recipients(directive: Directive, departments: list[str]) -> None:
    from fangkong.notifications.actions import notify
    from fangkong.notifications.models import Kind

    notify(
        list(_answering_users(directive, departments)),
        kind=Kind.DIRECTIVE,
        title=directive.title,
        body=_("Deadline: %(deadline)s")
        % {"deadline": timezone.localtime(directive.deadline).strftime("%Y-%m-%d %H:%M")},
        link=reverse("command:directive", args=[directive.pk]),
        key=f"directive-{directive.pk}",
    )


# --- answering ---------------------------------------------------------------------------------


def _recipient(actor: User | None, recipient: DirectiveRecipient) -> DirectiveRecipient:
    """The recipient row locked, inside the actor's jurisdiction; a department's row is
    answered by a user holding that department's role."""
    row = (
        DirectiveRecipient.objects.select_for_update()
        .select_related("directive")
        .get(pk=recipient.pk)
    )
    ensure_in_scope(actor, row.division_path)
    if actor is not None and row.department and not actor.has_role(row.department):
        raise ActionError(
            _("This directive is addressed to the %(department)s; only it can answer.")
            % {"department": Department(row.department).label},
            code="other_department",
        )
    return row


def _audit(
    actor: User | None, action: str, row: DirectiveRecipient, changes: dict[str, Any]
) -> None:
    record(
        actor=actor,
        action=action,
        obj=row,
        object_repr=f"{row.directive.title} · {row.division_id}",
        division_path=row.division_path,
        changes={"directive": [None, row.directive_id], **changes},
    )


def _refuse_done(row: DirectiveRecipient) -> None:
    if row.state == RecipientState.DONE:
        raise Conflict(_("This directive has already been completed here."), code="already_done")


@transaction.atomic
def acknowledge(*, actor: User | None, recipient: DirectiveRecipient) -> DirectiveRecipient:
    """The recipient confirms it received the directive."""
    row = _recipient(actor, recipient)
    if row.state != RecipientState.SENT:
        raise Conflict(_("This directive has already been acknowledged."), code="acknowledged")
    row.state, row.acknowledged_at = RecipientState.ACKNOWLEDGED, timezone.now()
    row.save(update_fields=["state", "acknowledged_at"])
    _audit(actor, "command.directive_acknowledge", row, {"state": ["sent", row.state]})
    return row


@transaction.atomic
def report_progress(
    *, actor: User | None, recipient: DirectiveRecipient, progress: str
) -> DirectiveRecipient:
    """The recipient says how far it has come (acknowledging it on the way)."""
    row = _recipient(actor, recipient)
    _refuse_done(row)
    note = clean_prose(
        progress, field="progress", limit=MAX_NOTE, required=_("Describe the progress.")
    )
    now = timezone.now()
    before = row.state
    row.state, row.progress, row.progress_at = RecipientState.IN_PROGRESS, note, now
    row.acknowledged_at = row.acknowledged_at or now
    row.save(update_fields=["state", "progress", "progress_at", "acknowledged_at"])
    _audit(actor, "command.directive_progress", row, {"state": [before, row.state]})
    return row


@transaction.atomic
def complete(
    *,
    actor: User | None,
    recipient: DirectiveRecipient,
    evidence: str = "",
    attachment: Upload | None = None,
) -> DirectiveRecipient:
    """The recipient completes the directive with the evidence asked (a text and/or a file;
    at least one when the directive asks for feedback). When it was the last open recipient of
    a passed-on directive, the recipient it was passed on from is completed too."""
    row = _recipient(actor, recipient)
    _refuse_done(row)
    text = clean_prose(evidence, field="evidence", limit=MAX_NOTE)
    checked = check_attachment(attachment, field="attachment") if attachment else None
    if row.directive.feedback_required and not text and checked is None:
        raise ActionError(
            _("Give the evidence asked for: %(what)s") % {"what": row.directive.feedback_required},
            code="evidence_required",
            field="evidence",
        )
    stored = None
    if checked is not None:
        stored = _store(
            checked,
            actor=actor,
            directive=row.directive,
            division_path=row.directive.division_path,
            recipient=row,
        )
    _finish(actor, row, text, stored)
    return row


def _finish(
    actor: User | None, row: DirectiveRecipient, text: str, stored: Attachment | None
) -> None:
    now = timezone.now()
    before = row.state
    row.state, row.completed_at, row.evidence = RecipientState.DONE, now, text
    row.acknowledged_at = row.acknowledged_at or now
    row.evidence_attachment = stored
    row.save(
        update_fields=[
            "state",
            "completed_at",
            "evidence",
            "evidence_attachment",
            "acknowledged_at",
        ]
    )
    _audit(
        actor,
        "command.directive_complete",
        row,
        {"state": [before, row.state], "attachment": [None, stored.name if stored else None]},
    )
    if row.overdue_escalated_at is not None:
        from fangkong.notifications.escalation import resolve_escalation

        resolve_escalation(overdue_key(row), now=now)
    parent_id = row.directive.parent_recipient_id
    if parent_id is None:
        return
    still_open = (
        DirectiveRecipient.objects.filter(directive__parent_recipient_id=parent_id)
        .exclude(state=RecipientState.DONE)
        .exists()
    )
    if still_open:
        return
    parent = (
        DirectiveRecipient.objects.select_for_update().select_related("directive").get(pk=parent_id)
    )
    if parent.state != RecipientState.DONE:
        _finish(
            actor,
            parent,
            _("Completed by all the divisions it was passed on to."),
            None,
        )


@transaction.atomic
def pass_on(
    *,
    actor: User | None,
    recipient: DirectiveRecipient,
    recipients: Sequence[str] | None = None,
    level: int | None = None,
    title: str = "",
    content: str = "",
    deadline: dt.datetime | None = None,
    feedback_required: str | None = None,
    attachments: Sequence[Upload] | None = None,
) -> Directive:
    """The recipient passes the directive on to its own subordinates: a new directive from its
    division, linked to it (``parent_recipient``), with the same title, content, feedback and
    deadline unless given. The recipient is then in progress; it is completed when all those it
    passed it on to are."""
    row = _recipient(actor, recipient)
    _refuse_done(row)
    parent = row.directive
    child = issue_directive(
        actor=actor,
        issuer_division=Division.objects.get(pk=row.division_id),
        title=title or parent.title,
        content=content or parent.content,
        deadline=deadline or parent.deadline,
        feedback_required=parent.feedback_required
        if feedback_required is None
        else feedback_required,
        recipients=recipients,
        level=level,
        kind=parent.kind,
        attachments=attachments,
        parent_recipient=row,
    )
    now = timezone.now()
    before = row.state
    row.passed_on = True
    row.state = RecipientState.IN_PROGRESS
    row.acknowledged_at = row.acknowledged_at or now
    row.save(update_fields=["passed_on", "state", "acknowledged_at"])
    _audit(
        actor,
        "command.directive_pass_on",
        row,
        {"state": [before, row.state], "passed_on_as": [None, child.pk]},
    )
    return child


# --- overdue -----------------------------------------------------------------------------------


def overdue_key(row: DirectiveRecipient) -> str:
    """The key of the escalation of a recipient overdue."""
    return f"directive-{row.pk}-overdue"


def escalate_overdue_directives(now: dt.datetime | None = None) -> int:
    """Escalate every recipient not done past its deadline and not escalated yet, to the
    responsible leader of its division (``notifications.escalation.escalate``); marks them.
    Idempotent (the key names the recipient); returns how many were escalated. The
    escalation stays open, and moves to the level above while it does
    (``notifications.escalation.raise_open_escalations``), until the recipient completes."""
    from fangkong.notifications.escalation import open_escalation

    now = now or timezone.now()
    due = list(
        DirectiveRecipient.objects.filter(deadline__lt=now, overdue_escalated_at__isnull=True)
        .exclude(state=RecipientState.DONE)
        .select_related("division", "directive")
        .order_by("id")[:5000]
    )
    done = 0
    for row in due:
        with transaction.atomic():
            open_escalation(
                row.division,
                field="",
                source="command.directive",
                now=now,
                title=_("Overdue directive: %(title)s") % {"title": row.directive.title},
                body=_("%(division)s has not completed it by %(deadline)s.")
                % {
                    "division": row.division.name,
                    "deadline": timezone.localtime(row.deadline).strftime("%Y-%m-%d %H:%M"),
                },
                link=reverse("command:directive", args=[row.directive_id]),
                key=overdue_key(row),
            )
            n = DirectiveRecipient.objects.filter(
                pk=row.pk, overdue_escalated_at__isnull=True
            ).update(overdue_escalated_at=now)
            if n:
                record(
                    actor=None,
                    action="command.directive_overdue",
                    obj=row,
                    object_repr=f"{row.directive.title} · {row.division.name}",
                    division_path=row.division_path,
                    changes={"overdue_escalated_at": [None, now.isoformat()]},
                )
                done += n
    return done


# --- venues ------------------------------------------------------------------------------------


def _clean_venue(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in VenueKind.values:
        raise ActionError(_("Choose the kind of venue."), code="bad_kind", field="kind")
    return {
        "name": clean_line(
            data.get("name"),
            field="name",
            limit=MAX_VENUE_NAME,
            required=_("Enter the name of the venue."),
        ),
        "kind": str(kind),
        "address": clean_line(data.get("address"), field="address", limit=MAX_ADDRESS),
    }


def _venue_division(division: Division) -> Division:
    division = Division.objects.get(pk=division.pk)
    if not division.active or division.level not in (Level.VILLAGE, Level.GRID):
        raise ActionError(
            _("A venue belongs to an active village or grid."),
            code="bad_division",
            field="division",
        )
    return division


def _save_venue(venue: Venue) -> None:
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError as exc:
        raise Conflict(
            _("There is already a venue named %(name)s here.") % {"name": venue.name},
            code="venue_exists",
            field="name",
        ) from exc


@transaction.atomic
def add_venue(*, actor: User | None, division: Division, **data: Any) -> Venue:
    """Register a venue at a village or grid."""
    division = _venue_division(division)
    ensure_in_scope(actor, division.path)
    clean = _clean_venue(data)
    venue = Venue(division=division, division_path=division.path, **clean)
    _save_venue(venue)
    record(
        actor=actor,
        action="command.venue_add",
        obj=venue,
        division_path=venue.division_path,
        changes={k: [None, v] for k, v in clean.items() if v},
    )
    return venue


@transaction.atomic
def update_venue(*, actor: User | None, venue: Venue, active: bool = True, **data: Any) -> Venue:
    """Change a venue's name, kind or address, or mark it no longer in use (``active``)."""
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    ensure_in_scope(actor, venue.division_path)
    clean = {**_clean_venue(data), "active": bool(active)}
    changes = {k: [getattr(venue, k), v] for k, v in clean.items() if getattr(venue, k) != v}
    for k, v in clean.items():
        setattr(venue, k, v)
    _save_venue(venue)
    record(
        actor=actor,
        action="command.venue_update",
        obj=venue,
        division_path=venue.division_path,
        changes=changes,
    )
    return venue


# --- closures ----------------------------------------------------------------------------------


def _closure(closure: VenueClosure) -> VenueClosure:
    return (
        VenueClosure.objects.select_for_update()
        .select_related("venue", "directive")
        .get(pk=closure.pk)
    )


def _audit_closure(
    actor: User | None, action: str, row: VenueClosure, before: str, note: str = ""
) -> None:
    record(
        actor=actor,
        action=action,
        obj=row,
        object_repr=f"{row.venue.name} · {row.directive.title}",
        division_path=row.division_path,
        changes={"state": [before, row.state], "directive": [None, row.directive_id]},
        reason=note,
    )


@transaction.atomic
def confirm_closed(*, actor: User | None, closure: VenueClosure, note: str = "") -> VenueClosure:
    """The venue's grid worker or village (someone whose area holds the venue) confirms it
    closed."""
    row = _closure(closure)
    try:
        ensure_in_scope(actor, row.division_path)
    except OutOfJurisdiction as exc:
        raise ActionError(
            _(
                "%(venue)s is not in your area: only its grid worker or its village (or an "
                "office above them) can confirm it closed."
            )
            % {"venue": row.venue.name},
            code="venue_outside",
            field="closure",
        ) from exc
    if row.state != ClosureState.ORDERED:
        raise Conflict(
            _("%(venue)s is %(state)s, not waiting to be confirmed closed.")
            % {"venue": row.venue.name, "state": row.get_state_display()},
            code="not_ordered",
        )
    text = clean_line(note, field="note", limit=200)
    before = row.state
    row.state, row.confirmed_at, row.confirmed_by = ClosureState.CONFIRMED, timezone.now(), actor
    home = actor.home_division if actor is not None else None
    row.confirmed_level = home.level if home is not None else None
    row.note = text or row.note
    row.save(update_fields=["state", "confirmed_at", "confirmed_by", "confirmed_level", "note"])
    _audit_closure(actor, "command.closure_confirm", row, before, text)
    return row


@transaction.atomic
def check_closure(*, actor: User | None, closure: VenueClosure, note: str = "") -> VenueClosure:
    """The level above the confirmer (a township or above) checks the venue is closed."""
    row = _closure(closure)
    ensure_in_scope(actor, row.division_path)
    if row.state != ClosureState.CONFIRMED:
        raise Conflict(
            _("%(venue)s has not been confirmed closed yet (it is %(state)s).")
            % {"venue": row.venue.name, "state": row.get_state_display()},
            code="not_confirmed",
        )
    home = actor.home_division if actor is not None else None
    if actor is not None and (
        home is None
        or home.level > Level.TOWNSHIP
        or (row.confirmed_level is not None and home.level >= row.confirmed_level)
    ):
        raise ActionError(
            _("A closure is checked by a township or an office above the one that confirmed it."),
            code="check_level",
            field="closure",
        )
    text = clean_line(note, field="note", limit=200)
    before = row.state
    row.state, row.checked_at, row.checked_by = ClosureState.CHECKED, timezone.now(), actor
    row.note = text or row.note
    row.save(update_fields=["state", "checked_at", "checked_by", "note"])
    _audit_closure(actor, "command.closure_check", row, before, text)
    return row


@transaction.atomic
def reopen_closures(
    *, actor: User | None, directive: Directive, venues: Sequence[int] | None = None
) -> int:
    """The issuer (or an office above it) reopens the venues of its closure order: all of
    them, or the ``venues`` chosen. One update, one audit row; returns how many."""
    directive = Directive.objects.get(pk=directive.pk)
    ensure_in_scope(actor, directive.division_path)
    if directive.kind != DirectiveKind.CLOSURE:
        raise ActionError(_("Only a closure order's venues can be reopened."), code="not_closure")
    rows = VenueClosure.objects.filter(directive=directive).exclude(state=ClosureState.REOPENED)
    if venues is not None:
        rows = rows.filter(venue_id__in=list(venues))
    n = rows.update(state=ClosureState.REOPENED, reopened_at=timezone.now())
    if not n:
        raise Conflict(_("There is nothing left to reopen."), code="nothing_to_reopen")
    record(
        actor=actor,
        action="command.closure_reopen",
        obj=directive,
        division_path=directive.division_path,
        changes={"reopened": [None, n]},
    )
    return n
