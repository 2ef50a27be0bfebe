"""Every write of the checkpoint module, each in one transaction with its audit row."""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.checkpoints import intake, rules
from fangkong.checkpoints.choices import HandoverStatus, Outcome, SiteKind, Source
from fangkong.checkpoints.intake import PassageInput, Prepared, Problem
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope, path_in_scope
from fangkong.core.validators import check_text
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import ApiToken, User
    from fangkong.screening.models import Screening

CHECKPOINT_FIELDS = ["name", "kind", "longitude", "latitude", "division", "note", "active"]
MAX_BATCH = 1000


# --- checkpoint sites --------------------------------------------------------------------------


def _clean_site_name(name: str) -> str:
    name = check_text(" ".join((name or "").split()), field="name")
    if not name:
        raise ActionError(_("Enter a name."), code="name_required", field="name")
    if len(name) > 100:
        message = _("The name cannot be longer than %(max)s characters.") % {"max": 100}
        raise ActionError(message, code="name_too_long", field="name")
    return name


def _check_division(division: Division) -> None:
    if division.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise ActionError(
            _("A checkpoint is run by a county or a township (street)."),
            code="division_level",
            field="division",
        )
    if not division.active:
        raise ActionError(
            _("This division is no longer active."), code="division_inactive", field="division"
        )


def _check_unique_name(division: Division, name: str, exclude: int | None = None) -> None:
    clash = Checkpoint.objects.filter(division=division, name=name, active=True)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ActionError(
            _("%(division)s already runs an open checkpoint named “%(name)s”.")
            % {"division": division.name, "name": name},
            code="name_taken",
            field="name",
        )


def _clean_site(
    division: Division, name: str, kind: str, longitude: Decimal, latitude: Decimal, note: str
) -> tuple[str, Decimal, Decimal, str]:
    _check_division(division)
    name = _clean_site_name(name)
    if kind not in SiteKind.values:
        raise ActionError(_("Choose the type of checkpoint."), code="bad_kind", field="kind")
    lon, lat = rules.clean_location(longitude, latitude)
    note = check_text(" ".join((note or "").split()), field="note")
    if len(note) > 500:
        raise ActionError(_("The note has at most 500 characters."), code="note_too_long")
    return name, lon, lat, note


@transaction.atomic
def create_checkpoint(
    *,
    actor: User | None,
    division: Division,
    name: str,
    kind: str,
    longitude: Decimal,
    latitude: Decimal,
    note: str = "",
) -> Checkpoint:
    """A command office opens a checkpoint run by its county or one of its townships."""
    division = Division.objects.select_for_update().get(pk=division.pk)
    ensure_in_scope(actor, division.path)
    name, lon, lat, note = _clean_site(division, name, kind, longitude, latitude, note)
    _check_unique_name(division, name)
    checkpoint = Checkpoint.objects.create(
        name=name,
        kind=kind,
        longitude=lon,
        latitude=lat,
        division=division,
        division_path=division.path,
        note=note,
    )
    record(
        actor=actor,
        action="checkpoint.create",
        obj=checkpoint,
        division_path=checkpoint.division_path,
        changes=diff({}, snapshot(checkpoint, CHECKPOINT_FIELDS)),
    )
    return checkpoint


@transaction.atomic
def update_checkpoint(
    *,
    actor: User | None,
    checkpoint: Checkpoint,
    name: str,
    kind: str,
    longitude: Decimal,
    latitude: Decimal,
    note: str = "",
    division: Division | None = None,
) -> Checkpoint:
    """Change a site's name, type, location, note, or the division that runs it. Passages
    already registered stay with the division that ran the site when they passed."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    ensure_in_scope(actor, checkpoint.division_path)
    target = division or Division.objects.get(pk=checkpoint.division_id)
    ensure_in_scope(actor, target.path)
    before = snapshot(checkpoint, CHECKPOINT_FIELDS)
    name, lon, lat, note = _clean_site(target, name, kind, longitude, latitude, note)
    if checkpoint.active:
        _check_unique_name(target, name, exclude=checkpoint.pk)
    checkpoint.name, checkpoint.kind, checkpoint.note = name, kind, note
    checkpoint.longitude, checkpoint.latitude = lon, lat
    checkpoint.division, checkpoint.division_path = target, target.path
    changes = diff(before, snapshot(checkpoint, CHECKPOINT_FIELDS))
    if not changes:
        return checkpoint
    checkpoint.save()
    record(
        actor=actor,
        action="checkpoint.update",
        obj=checkpoint,
        division_path=checkpoint.division_path,
        changes=changes,
    )
    return checkpoint


class TokenNotBound(ActionError):
    """A terminal's token sends passages for a checkpoint it is not bound to (403)."""

    status = 403


def check_terminal(token: ApiToken | None, checkpoint: Checkpoint) -> None:
    """A passage sent with a machine token is for a checkpoint that token is bound to. (A person
    logged in on the web is not a terminal: their role and jurisdiction decide.)"""
    if token is None:
        return
    if not checkpoint.tokens.filter(pk=token.pk).exists():
        raise TokenNotBound(
            _(
                "This terminal's token may not register passages for this checkpoint. The "
                "command office binds each terminal's token to its checkpoints."
            ),
            code="token_not_bound",
            field="checkpoint",
        )


def bindable_tokens(actor: User | None, checkpoint: Checkpoint) -> list[ApiToken]:
    """The usable tokens the actor may bind to the checkpoint: visible to the actor (their user
    lives in the actor's jurisdiction), acting as a user who can see the checkpoint."""
    from fangkong.accounts.models import ApiToken

    tokens = ApiToken.objects.all() if actor is None else ApiToken.objects.visible_to(actor)
    return [
        t
        for t in tokens.usable().select_related("user", "user__home_division").order_by("pk")
        if path_in_scope(t.user, checkpoint.division_path)
    ]


@transaction.atomic
def bind_tokens(
    *, actor: User | None, checkpoint: Checkpoint, tokens: Sequence[int]
) -> list[ApiToken]:
    """Set the terminal tokens bound to a checkpoint (replacing the ones bound before)."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    ensure_in_scope(actor, checkpoint.division_path)
    allowed = {t.pk: t for t in bindable_tokens(actor, checkpoint)}
    wanted = list(dict.fromkeys(tokens))
    unknown = [pk for pk in wanted if pk not in allowed]
    if unknown:
        raise ActionError(
            _(
                "Token %(id)s cannot be bound here: it must be a valid token of your "
                "jurisdiction acting as someone who can see this checkpoint."
            )
            % {"id": unknown[0]},
            code="token_not_bindable",
            field="tokens",
        )
    before = sorted(checkpoint.tokens.values_list("prefix", flat=True))
    chosen = [allowed[pk] for pk in wanted]
    checkpoint.tokens.set(chosen)
    after = sorted(t.prefix for t in chosen)
    if before != after:
        record(
            actor=actor,
            action="checkpoint.tokens",
            obj=checkpoint,
            division_path=checkpoint.division_path,
            changes={"tokens": [before, after]},
        )
    return chosen


@transaction.atomic
def close_checkpoint(*, actor: User | None, checkpoint: Checkpoint, reason: str = "") -> Checkpoint:
    """Close a site: it takes no passages after now; a terminal may still upload earlier ones."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    ensure_in_scope(actor, checkpoint.division_path)
    if not checkpoint.active:
        raise Conflict(_("This checkpoint is already closed."), code="already_closed")
    checkpoint.active = False
    checkpoint.closed_at = timezone.now()
    checkpoint.save(update_fields=["active", "closed_at", "updated_at"])
    record(
        actor=actor,
        action="checkpoint.close",
        obj=checkpoint,
        division_path=checkpoint.division_path,
        changes={"active": [True, False]},
        reason=(reason or "").strip()[:200],
    )
    return checkpoint


@transaction.atomic
def reopen_checkpoint(*, actor: User | None, checkpoint: Checkpoint) -> Checkpoint:
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    ensure_in_scope(actor, checkpoint.division_path)
    if checkpoint.active:
        raise Conflict(_("This checkpoint is open."), code="already_open")
    _check_unique_name(checkpoint.division, checkpoint.name, exclude=checkpoint.pk)
    checkpoint.active = True
    checkpoint.closed_at = None
    checkpoint.save(update_fields=["active", "closed_at", "updated_at"])
    record(
        actor=actor,
        action="checkpoint.reopen",
        obj=checkpoint,
        division_path=checkpoint.division_path,
        changes={"active": [False, True]},
    )
    return checkpoint


# --- passages ----------------------------------------------------------------------------------


class BatchTooLarge(ActionError):
    """More records than one call may carry: the whole call is refused (422), nothing written."""

    status = 422


def batch_too_large(n: int) -> BatchTooLarge:
    return BatchTooLarge(
        _("At most %(max)d passages per call; this call has %(n)d. Split the batch.")
        % {"max": MAX_BATCH, "n": n},
        code="batch_too_large",
    )


class Status:
    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass
class RecordResult:
    """What became of one record sent: created, already there (duplicate) or rejected."""

    index: int
    uuid: uuid_lib.UUID | None
    status: str
    passage_id: int | None = None
    problems: list[Problem] = field(default_factory=list)
    n_flagged: int = 0


class PassageRejected(ActionError):
    """A single passage was refused; ``problems`` lists every reason, with its field."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.message, code=first.code, field=first.field)
        self.problems = problems


def _uuid_taken() -> Problem:
    return Problem(
        "uuid",
        "uuid_taken",
        _("This UUID belongs to a passage of another checkpoint: generate a new one."),
    )


def _write(
    actor: User | None, checkpoint: Checkpoint, records: list[Prepared], source: str
) -> list[Passage]:
    passages = [
        Passage(
            uuid=r.uuid,
            checkpoint=checkpoint,
            division_path=checkpoint.division_path,
            plate=r.plate,
            direction=r.direction,
            passed_at=r.passed_at or timezone.now(),  # always set once prepared
            n_people=len(r.people),
            n_flagged=r.n_flagged,
            source=source,
            registered_by=actor,
        )
        for r in records
    ]
    with transaction.atomic():  # a savepoint: a clash on a UUID undoes only this part
        Passage.objects.bulk_create(passages, batch_size=500)
    entries = [
        PassagePerson(
            passage=passage,
            division_path=checkpoint.division_path,
            position=position,
            name=p.name,
            doc_type=p.doc_type,
            doc_number=p.doc_number,
            phone=p.phone,
            origin_code=p.origin_code,
            origin_name=p.origin_name,
            origin_abroad=p.origin_abroad,
            destination=p.destination,
            destination_code=p.destination_code,
            destination_path=p.destination.path if p.destination is not None else "",
            destination_detail=p.destination_detail,
            temperature=p.temperature,
            person_id=p.person_id,
            flagged=bool(p.flag_reasons),
            flag_reasons=p.flag_reasons,
            key_area=p.key_area,
        )
        for passage, r in zip(passages, records, strict=True)
        for position, p in enumerate(r.people)
    ]
    PassagePerson.objects.bulk_create(entries, batch_size=500)
    Handover.objects.bulk_create(
        [
            Handover(entry=e, destination=e.destination, destination_path=e.destination_path)
            for e in entries
            if e.flagged and e.destination is not None
        ],
        batch_size=500,
    )
    return passages


@transaction.atomic
def register_passages(
    *,
    actor: User | None,
    checkpoint: Checkpoint,
    inputs: Sequence[PassageInput],
    source: str = Source.BATCH,
) -> list[RecordResult]:
    """Register passages at one checkpoint: each record created, a duplicate of one already
    registered (same UUID: nothing new is written), or rejected with its problems.

    Idempotent by UUID. Rejected records do not hold up the good ones; every good record is
    written whole (the passage, its people and the hand-over of flagged people), in one
    transaction with one audit row.
    """
    if len(inputs) > MAX_BATCH:
        raise batch_too_large(len(inputs))
    # The lock orders writers of one checkpoint, so a UUID re-sent concurrently to the same
    # checkpoint is seen as a duplicate by the second writer, never written twice.
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    ensure_in_scope(actor, checkpoint.division_path)
    # Every record gets its UUID now (the web form and the single call may leave it to us).
    inputs = [raw if raw.uuid else replace(raw, uuid=uuid_lib.uuid4()) for raw in inputs]
    results = [
        RecordResult(index=i, uuid=raw.uuid, status=Status.REJECTED) for i, raw in enumerate(inputs)
    ]
    existing = {
        u: (pk, cp)
        for u, pk, cp in Passage.objects.filter(uuid__in=[raw.uuid for raw in inputs]).values_list(
            "uuid", "id", "checkpoint_id"
        )
    }
    # Records already registered are answered before anything is checked: re-sending a batch
    # costs one query, and an old passage sent again is a duplicate, not "too old".
    first_of: dict[uuid_lib.UUID | None, RecordResult] = {}
    fresh: list[int] = []
    for i, raw in enumerate(inputs):
        result = results[i]
        if raw.uuid in existing:
            pk, cp = existing[raw.uuid]
            if cp == checkpoint.pk:
                result.status, result.passage_id = Status.DUPLICATE, pk
            else:
                result.problems = [_uuid_taken()]
        elif raw.uuid in first_of:
            result.status = Status.DUPLICATE  # of an earlier record of this call; see below
        else:
            first_of[raw.uuid] = result
            fresh.append(i)
    prepared = intake.prepare(checkpoint, [inputs[i] for i in fresh], timezone.now())
    pending: list[tuple[RecordResult, Prepared]] = []
    for i, r in zip(fresh, prepared, strict=True):
        result = results[i]
        if r.ok:
            result.status, result.n_flagged = Status.CREATED, r.n_flagged
            pending.append((result, r))
        else:
            result.problems = r.problems
    for attempt in range(2):
        try:
            passages = _write(actor, checkpoint, [r for _res, r in pending], source)
            break
        except IntegrityError:
            # Only a UUID some other checkpoint registered meanwhile can clash here.
            if attempt:
                raise
            taken = set(
                Passage.objects.filter(uuid__in=[r.uuid for _res, r in pending]).values_list(
                    "uuid", flat=True
                )
            )
            for result, r in pending:
                if r.uuid in taken:
                    result.status, result.problems = Status.REJECTED, [_uuid_taken()]
            pending = [(res, r) for res, r in pending if r.uuid not in taken]
    for (result, _r), passage in zip(pending, passages, strict=True):
        result.passage_id = passage.pk
    for result in results:  # repeats inside one call point to what their first became
        first = first_of.get(result.uuid)
        if result.status == Status.DUPLICATE and result.passage_id is None and first is not None:
            result.passage_id = first.passage_id
            if first.status == Status.REJECTED:
                result.status, result.problems = Status.REJECTED, first.problems
    if passages:
        _audit_passages(actor, checkpoint, passages, source)
    return results


def _audit_passages(
    actor: User | None, checkpoint: Checkpoint, passages: list[Passage], source: str
) -> None:
    if len(passages) == 1:
        p = passages[0]
        record(
            actor=actor,
            action="passage.register",
            obj=p,
            division_path=checkpoint.division_path,
            changes={
                "checkpoint": [None, checkpoint.pk],
                "plate": [None, p.plate],
                "direction": [None, p.direction],
                "passed_at": [None, p.passed_at.isoformat()],
                "people": [0, p.n_people],
                "flagged": [0, p.n_flagged],
            },
        )
        return
    record(
        actor=actor,
        action="passage.batch",
        object_type="checkpoints.passage",
        object_id=f"{passages[0].pk}…{passages[-1].pk}",
        object_repr=f"{checkpoint.name} ×{len(passages)}",
        division_path=checkpoint.division_path,
        changes={
            "checkpoint": [None, checkpoint.pk],
            "source": [None, source],
            "passages": [0, len(passages)],
            "people": [0, sum(p.n_people for p in passages)],
            "flagged": [0, sum(p.n_flagged for p in passages)],
            "ids": [None, [p.pk for p in passages]],
        },
    )


def register_passage(
    *,
    actor: User | None,
    checkpoint: Checkpoint,
    passage: PassageInput,
    source: str = Source.WEB,
) -> tuple[Passage, bool]:
    """Register one passage. Returns (passage, created); a re-sent UUID answers the passage
    already registered. Raises :class:`PassageRejected` listing every problem."""
    [result] = register_passages(
        actor=actor, checkpoint=checkpoint, inputs=[passage], source=source
    )
    if result.status == Status.REJECTED:
        raise PassageRejected(result.problems)
    assert result.passage_id is not None
    found = Passage.objects.select_related("checkpoint").get(pk=result.passage_id)
    return found, result.status == Status.CREATED


# --- the destination's side --------------------------------------------------------------------


@transaction.atomic
def handle_handover(
    *, actor: User | None, handover: Handover, outcome: str, note: str = ""
) -> Handover:
    """The destination grid (or village, county) marks a flagged traveller followed up."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    ensure_in_scope(actor, handover.destination_path)
    if outcome not in Outcome.values:
        raise ActionError(_("Choose what was done."), code="bad_outcome", field="outcome")
    note = check_text(" ".join((note or "").split()), field="note")
    if len(note) > 500:
        raise ActionError(
            _("The note has at most 500 characters."), code="note_too_long", field="note"
        )
    if handover.status == HandoverStatus.HANDLED:
        raise Conflict(_("This traveller has already been marked handled."), code="already_handled")
    handover.status = HandoverStatus.HANDLED
    handover.outcome = outcome
    handover.note = note
    handover.handled_by = actor
    handover.handled_at = timezone.now()
    handover.save(update_fields=["status", "outcome", "note", "handled_by", "handled_at"])
    record(
        actor=actor,
        action="handover.handle",
        obj=handover,
        division_path=handover.destination_path,
        changes={
            "status": [HandoverStatus.PENDING, HandoverStatus.HANDLED],
            "outcome": [None, outcome],
        },
        reason=note[:200],
    )
    return handover


# What a screening concluded, as the hand-over's outcome.
SCREENED_AS = {
    "no_risk": Outcome.SCREENED,
    "home_observation": Outcome.OBSERVATION,
    "fever_clinic": Outcome.REFERRED,
}


@transaction.atomic
def screen_traveller(
    *, actor: User | None, handover: Handover, phone: str = "", **screening: Any
) -> Screening:
    """Screen a flagged traveller at their destination (筛查此人) and mark the hand-over handled
    with the outcome, in one transaction, each audited. The document comes from the passage (the
    worker never types it, nor sees it in full); the phone too, unless the worker gives another.
    ``screening`` holds the other keyword arguments of ``register_screening``. Sending the same
    form again (its ``client_uuid``) returns the screening already stored."""
    from fangkong.screening.actions import register_screening
    from fangkong.screening.models import Screening

    locked = Handover.objects.select_for_update().select_related("entry").get(pk=handover.pk)
    ensure_in_scope(actor, locked.destination_path)
    if locked.status == HandoverStatus.HANDLED:
        key = screening.get("client_uuid")
        stored = Screening.objects.filter(client_uuid=key).first() if key else None
        if stored is not None:
            ensure_in_scope(actor, stored.division_path)
            return stored
        raise Conflict(_("This traveller has already been marked handled."), code="already_handled")
    entry = locked.entry
    screening.pop("doc_type", None)
    screening.pop("doc_number", None)
    done = register_screening(
        actor=actor,
        doc_type=entry.doc_type,
        doc_number=entry.doc_number,
        phone=phone or entry.phone,
        **screening,
    )
    note = _("Screened on %(date)s: %(outcome)s.") % {
        "date": done.screened_on.isoformat(),
        "outcome": done.get_outcome_display(),
    }
    handle_handover(actor=actor, handover=locked, outcome=SCREENED_AS[done.outcome], note=str(note))
    return done


@transaction.atomic
def reveal_traveller(*, actor: User, handover: Handover, reason: str = "") -> PassagePerson:
    """Show a flagged traveller's full document number and phone to the destination, so they
    can be reached: allowed by role, and always audited."""
    handover = Handover.objects.select_related("entry").get(pk=handover.pk)
    ensure_in_scope(actor, handover.destination_path)
    if not actor.has_perm(PeoplePerm.VIEW_UNMASKED):
        raise ActionError(
            _("Your role may not see full ID numbers and phones."), code="forbidden_unmask"
        )
    entry = handover.entry
    record(
        actor=actor,
        action="passage_person.reveal",
        obj=entry,
        division_path=handover.destination_path,
        reason=(reason or "")[:200],
    )
    return entry
