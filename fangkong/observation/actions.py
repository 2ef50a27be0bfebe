"""Every write to medical observations and their check-ins, each audited in its transaction."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction, ensure_in_scope
from fangkong.core.validators import check_text
from fangkong.observation.choices import Kind, Source, Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.observation.permissions import ObservationPerm
from fangkong.people.choices import FEVER_AT, PersonStatus
from fangkong.people.health import clean_symptoms, clean_temperature
from fangkong.people.models import Person
from fangkong.people.period import release_date
from fangkong.regions.models import Division
from fangkong.regions.selectors import check_active_grid
from fangkong.screening.validators import clean_uuid

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.screening.models import Screening

BATCH_MAX = 1000
PERSON_STATUS = {
    Kind.HOME: PersonStatus.HOME_OBSERVATION,
    Kind.CENTRALIZED: PersonStatus.CENTRAL_OBSERVATION,
}
OBSERVED = {PersonStatus.HOME_OBSERVATION, PersonStatus.CENTRAL_OBSERVATION}


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def set_person_status(
    person_id: int, status: str, *, only_from: Iterable[str] | None = None
) -> list[str | None]:
    """Set a person's status (race-safe, one UPDATE); returns [before, after] for the audit."""
    person = Person.objects.select_for_update().only("status").get(pk=person_id)
    before = person.status
    if only_from is not None and before not in set(only_from):
        return [before, before]
    Person.objects.filter(pk=person_id).update(status=status, status_since=timezone.now())
    return [before, status]


def _locked(observation: Observation) -> Observation:
    # Lock the observation's row only: a plain FOR UPDATE over the join would also lock the
    # person and the grid, serialising every check-in of a grid behind one another.
    return (
        Observation.objects.select_for_update(of=("self",))
        .select_related("person", "grid")
        .get(pk=observation.pk)
    )


# What a check-in reads of its observation (with the person's name, for the audit row): a
# check-in is the busiest write there is, and every column costs compiling and loading.
CHECK_IN_FIELDS = (
    "id",
    "person_id",
    "person__name",
    "division_path",
    "status",
    "start_date",
    "end_date",
    "last_check_in_on",
    "last_temperature",
)


def _locked_for_check_in(observation: Observation, actor: User | None) -> Observation:
    """The observation, read again and locked, within the actor's jurisdiction: one query both
    checks that it is visible and locks it. Out of scope (or gone) is out of jurisdiction."""
    scoped = Observation.objects.all() if actor is None else Observation.objects.visible_to(actor)
    try:
        return (
            scoped.select_for_update(of=("self",))
            .select_related("person")
            .only(*CHECK_IN_FIELDS)
            .get(pk=observation.pk)
        )
    except Observation.DoesNotExist:
        if actor is None:
            raise
        raise OutOfJurisdiction(_("This record is not in your jurisdiction.")) from None


def _ended() -> ActionError:
    return ActionError(
        _("This observation has ended; nothing more can be recorded on it."),
        code="observation_ended",
    )


@transaction.atomic
def start_observation(
    *,
    actor: User | None,
    person: Person,
    grid: Division,
    last_exposure: dt.date,
    reason: str,
    kind: str = Kind.HOME,
    start_date: dt.date | None = None,
    source_screening: Screening | None = None,
) -> tuple[Observation, bool]:
    """Put a person under observation until ``last_exposure`` + 14 days. Returns (observation,
    created): a person already under active observation keeps that one, which is returned."""
    grid = Division.objects.get(pk=grid.pk)
    ensure_in_scope(actor, grid.path)
    kept = _("An observation is kept by an active grid.")
    check_active_grid(grid, not_a_grid=kept, retired=kept)
    if kind not in Kind.values:
        raise ActionError(_("Choose home or centralized observation."), code="bad_kind")
    Person.objects.select_for_update().only("id").get(pk=person.pk)  # one start at a time
    existing = Observation.objects.filter(person_id=person.pk, status=Status.ACTIVE).first()
    if existing is not None:
        return existing, False
    today = timezone.localdate()
    start = start_date or today
    if start > today:
        raise ActionError(_("The start date is in the future."), code="future_date")
    if last_exposure > start:
        raise ActionError(
            _("The last exposure cannot be after the start of the observation."),
            code="exposure_after_start",
        )
    end = release_date(last_exposure)  # exclusive: the release date (people/period.py)
    if end <= start:
        raise ActionError(
            _("The 14 days since the last exposure (%(date)s) are already over.")
            % {"date": last_exposure.isoformat()},
            code="observation_over",
        )
    observation = Observation(
        person_id=person.pk,
        grid=grid,
        division_path=grid.path,
        kind=kind,
        reason=" ".join((reason or "").split())[:300],
        source_screening=source_screening,
        last_exposure=last_exposure,
        start_date=start,
        end_date=end,
        link_nonce=new_nonce(),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            observation.save()
    except IntegrityError:  # started concurrently for the same person: keep theirs
        return Observation.objects.get(person_id=person.pk, status=Status.ACTIVE), False
    status = set_person_status(person.pk, PERSON_STATUS[Kind(kind)])
    record(
        actor=actor,
        action="observation.start",
        obj=observation,
        division_path=grid.path,
        changes={
            "kind": [None, kind],
            "start_date": [None, start.isoformat()],
            "end_date": [None, end.isoformat()],
            "person_status": status,
        },
    )
    return observation, True


def _check_day(observation: Observation, day: dt.date, field: str = "day") -> None:
    today = timezone.localdate()
    if day > today:
        raise ActionError(
            _("The check-in day (%(day)s) is in the future.") % {"day": day.isoformat()},
            code="future_date",
            field=field,
        )
    if not observation.start_date <= day <= observation.end_date:
        raise ActionError(
            _("%(day)s is outside the observation (%(start)s to %(end)s).")
            % {
                "day": day.isoformat(),
                "start": observation.start_date.isoformat(),
                "end": observation.end_date.isoformat(),
            },
            code="day_outside_observation",
            field=field,
        )


def _already(existing: CheckIn) -> Conflict:
    return Conflict(
        _(
            "There is already a check-in for %(day)s (%(temperature)s ℃); one a day. "
            "Correct it by telling the grid worker."
        )
        % {"day": existing.day.isoformat(), "temperature": existing.temperature},
        code="already_checked_in",
        field="day",
    )


def _uuid_reused() -> Conflict:
    return Conflict(
        _("This client UUID was already used for another check-in."),
        code="uuid_reused",
        field="client_uuid",
    )


def _bump_last(observation: Observation, day: dt.date, temperature: Decimal) -> bool:
    """Keep the latest check-in's day and temperature on the observation (for the flags)."""
    if observation.last_check_in_on is not None and day < observation.last_check_in_on:
        return False
    observation.last_check_in_on, observation.last_temperature = day, temperature
    return True


@transaction.atomic
def record_check_in(
    *,
    actor: User | None,
    observation: Observation,
    temperature: Any,
    client_uuid: Any,
    symptoms: Iterable[str] = (),
    day: dt.date | None = None,
    source: str = Source.WORKER,
    note: str = "",
) -> tuple[CheckIn, bool]:
    """One day's check-in. Returns (check-in, created); sending the same ``client_uuid`` again
    returns the stored one. A second check-in the same day is refused (409). The observation
    is read again, locked, within the actor's jurisdiction (only its ``pk`` is used)."""
    key = clean_uuid(client_uuid)
    observation = _locked_for_check_in(observation, actor)
    ensure_in_scope(actor, observation.division_path)
    day = day or timezone.localdate()
    # One query for both: this client_uuid stored before, and the day already checked in.
    found = list(
        CheckIn.objects.filter(
            models.Q(client_uuid=key) | models.Q(observation=observation, day=day)
        )
    )
    existing = next((c for c in found if c.client_uuid == key), None)
    if existing is not None:
        if existing.observation_id != observation.pk:
            raise _uuid_reused()
        return existing, False
    if not observation.is_active:
        raise _ended()
    _check_day(observation, day)
    value = clean_temperature(temperature)
    chosen = clean_symptoms(symptoms)
    clash = next((c for c in found if c.observation_id == observation.pk and c.day == day), None)
    if clash is not None:
        raise _already(clash)
    check_in = CheckIn.objects.create(
        observation=observation,
        division_path=observation.division_path,
        day=day,
        temperature=value,
        symptoms=chosen,
        note=check_text(" ".join((note or "").split()), field="note")[:200],
        source=source,
        client_uuid=key,
        created_by=actor,
    )
    if _bump_last(observation, day, value):
        observation.save(update_fields=["last_check_in_on", "last_temperature", "updated_at"])
    record(
        actor=actor,
        action="observation.check_in",
        obj=observation,
        division_path=observation.division_path,
        changes={"day": [None, day.isoformat()], "fever": [None, value >= FEVER_AT]},
        reason=_("personal link") if source == Source.SELF else "",
    )
    return check_in, True


# --- batches -----------------------------------------------------------------------------------


@dataclass
class BatchItem:
    """One record of a batch, already parsed by the API (types right, ranges unchecked)."""

    index: int
    client_uuid: uuid.UUID
    observation_id: int
    temperature: Decimal
    symptoms: list[str] = field(default_factory=list)
    day: dt.date | None = None
    note: str = ""


@dataclass
class BatchResult:
    index: int
    client_uuid: str | None
    status: str  # "created", "duplicate" or "rejected"
    id: int | None = None
    fever: bool = False
    errors: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def rejected(cls, index: int, key: Any, error: ActionError) -> BatchResult:
        return cls(
            index,
            str(key) if key is not None else None,
            "rejected",
            errors=[{"field": error.field or "", "code": error.code, "message": error.message}],
        )


def _not_found() -> ActionError:
    return ActionError(
        _("The observation does not exist, or it is not in your jurisdiction."),
        code="not_found",
        field="observation_id",
    )


def _common_path(paths: Iterable[str]) -> str:
    """The deepest division path above every one of ``paths`` (for the batch's audit row)."""
    split = [p.rstrip("/").split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common) + "/" if common else ""


@transaction.atomic
def record_check_ins(
    *, actor: User | None, items: Sequence[BatchItem], source: str = Source.API
) -> list[BatchResult]:
    """Store a batch of check-ins (up to 1,000), each on its own merits: one bad record does not
    refuse the others. Idempotent by ``client_uuid``: sending the batch again creates nothing
    new and answers "duplicate" for what is stored. Rows are read and written in bulk."""
    if len(items) > BATCH_MAX:
        raise ActionError(
            _("A batch has at most %(max)s records.") % {"max": BATCH_MAX}, code="batch_too_large"
        )
    today = timezone.localdate()
    observations = (
        Observation.objects.all() if actor is None else Observation.objects.visible_to(actor)
    )
    by_id = {
        o.pk: o
        for o in observations.select_for_update()
        .filter(pk__in={i.observation_id for i in items})
        .order_by("pk")  # lock in one order: concurrent batches cannot deadlock
    }
    keys = {i.client_uuid for i in items}
    stored = {c.client_uuid: c for c in CheckIn.objects.filter(client_uuid__in=keys)}
    taken = {
        (c.observation_id, c.day): c
        for c in CheckIn.objects.filter(
            observation_id__in=by_id, day__in={i.day or today for i in items}
        )
    }
    results: list[BatchResult] = []
    new: list[CheckIn] = []
    in_batch: dict[uuid.UUID, tuple[int, dt.date]] = {}
    for item in items:
        day = item.day or today
        try:
            observation = by_id.get(item.observation_id)
            if observation is None:
                raise _not_found()
            try:  # the write gate, as for one check-in; answered like one that does not exist
                ensure_in_scope(actor, observation.division_path)
            except OutOfJurisdiction:
                raise _not_found() from None
            done = stored.get(item.client_uuid)
            if done is not None or item.client_uuid in in_batch:
                same = (
                    done.observation_id == observation.pk
                    if done is not None
                    else in_batch[item.client_uuid][0] == observation.pk
                )
                if not same:
                    raise _uuid_reused()
                fever = done.temperature >= FEVER_AT if done else False
                results.append(
                    BatchResult(
                        item.index,
                        str(item.client_uuid),
                        "duplicate",
                        id=done.pk if done else None,
                        fever=fever,
                    )
                )
                continue
            if not observation.is_active:
                raise _ended()
            _check_day(observation, day)
            value = clean_temperature(item.temperature)
            chosen = clean_symptoms(item.symptoms)
            clash = taken.get((observation.pk, day))
            if clash is not None:
                raise _already(clash)
        except ActionError as error:
            results.append(BatchResult.rejected(item.index, item.client_uuid, error))
            continue
        check_in = CheckIn(
            observation=observation,
            division_path=observation.division_path,
            day=day,
            temperature=value,
            symptoms=chosen,
            note=" ".join((item.note or "").split())[:200],
            source=source,
            client_uuid=item.client_uuid,
            created_by=actor,
        )
        new.append(check_in)
        taken[(observation.pk, day)] = check_in
        in_batch[item.client_uuid] = (observation.pk, day)
        results.append(
            BatchResult(item.index, str(item.client_uuid), "created", fever=value >= FEVER_AT)
        )
    if not new:
        return results
    try:
        with transaction.atomic():
            CheckIn.objects.bulk_create(new, batch_size=500)
    except IntegrityError as exc:  # a concurrent request stored one of these meanwhile
        raise Conflict(
            _("Some of these check-ins were stored by another request meanwhile; send again."),
            code="concurrent_batch",
        ) from exc
    ids = {c.client_uuid: c.pk for c in new}
    if any(pk is None for pk in ids.values()):  # backends that do not return ids on bulk insert
        ids = dict(
            CheckIn.objects.filter(client_uuid__in=list(ids)).values_list("client_uuid", "id")
        )
    for result in results:
        if result.status != "rejected" and result.id is None:
            result.id = ids.get(uuid.UUID(result.client_uuid or ""))
    changed = {
        c.observation.pk: c.observation
        for c in sorted(new, key=lambda c: c.day)
        if _bump_last(c.observation, c.day, c.temperature)
    }
    # One prepared UPDATE per changed observation: psycopg 3 pipelines executemany and SQLite
    # runs it in-process; bulk_update's CASE expressions took 73% of a 1,000-item batch.
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(timezone.now())
    table = Observation._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET last_check_in_on = %s, last_temperature = %s, "  # noqa: S608
            "updated_at = %s WHERE id = %s",
            [
                (
                    ops.adapt_datefield_value(o.last_check_in_on),
                    ops.adapt_decimalfield_value(o.last_temperature, 3, 1),
                    stamp,
                    o.pk,
                )
                for o in changed.values()
            ],
        )
    record(
        actor=actor,
        action="observation.check_in_batch",
        object_type="observation.checkin",
        object_id="*",
        object_repr=_("%(count)s check-ins") % {"count": len(new)},
        division_path=_common_path(c.division_path for c in new),
        changes={
            "created": [0, len(new)],
            "fever": [0, sum(1 for c in new if c.temperature >= FEVER_AT)],
        },
    )
    return results


# --- ending ------------------------------------------------------------------------------------


def _end(
    actor: User | None,
    observation: Observation,
    status: str,
    note: str,
    person_status: str,
    action: str,
) -> Observation:
    observation.status = status
    observation.ended_on = timezone.localdate()
    observation.end_note = check_text(" ".join((note or "").split()), field="note")[:300]
    observation.save(update_fields=["status", "ended_on", "end_note", "updated_at"])
    only_from = OBSERVED if person_status == PersonStatus.NORMAL else None
    changed = set_person_status(observation.person_id, person_status, only_from=only_from)
    record(
        actor=actor,
        action=action,
        obj=observation,
        division_path=observation.division_path,
        changes={"status": [Status.ACTIVE.value, status], "person_status": changed},
        reason=observation.end_note[:200],
    )
    return observation


def _active(actor: User | None, observation: Observation) -> Observation:
    observation = _locked(observation)
    ensure_in_scope(actor, observation.division_path)
    if not observation.is_active:
        raise _ended()
    return observation


@transaction.atomic
def release_observation(
    *, actor: User | None, observation: Observation, note: str = ""
) -> Observation:
    """Release on or after the end date; earlier only by a village secretary or above (the
    ``release_early`` permission), with the reason."""
    observation = _active(actor, observation)
    if timezone.localdate() < observation.end_date:
        if actor is not None and not actor.has_perm(ObservationPerm.RELEASE_EARLY):
            raise ActionError(
                _(
                    "Release from observation is on %(end)s. Only a village or community "
                    "secretary (or above) may release it earlier."
                )
                % {"end": observation.end_date.isoformat()},
                code="early_release_forbidden",
            )
        if not (note or "").strip():
            raise ActionError(
                _("Say why the observation ends before %(end)s.")
                % {"end": observation.end_date.isoformat()},
                code="reason_required",
                field="note",
            )
    return _end(
        actor, observation, Status.RELEASED, note, PersonStatus.NORMAL, "observation.release"
    )


@transaction.atomic
def refer_observation(
    *, actor: User | None, observation: Observation, note: str = ""
) -> Observation:
    """Refer the person to a fever clinic (a fever at check-in proposes it); the observation
    ends, and the person's status says referred."""
    observation = _active(actor, observation)
    return _end(
        actor, observation, Status.REFERRED, note, PersonStatus.REFERRED, "observation.refer"
    )


@transaction.atomic
def end_as_case(*, actor: User | None, observation: Observation, note: str = "") -> Observation:
    """The person became a case (the cases module, later, calls this)."""
    observation = _active(actor, observation)
    return _end(actor, observation, Status.CASE, note, PersonStatus.CASE, "observation.case")


@transaction.atomic
def rotate_link(*, actor: User | None, observation: Observation) -> Observation:
    """A new personal check-in link; every link given out before stops working."""
    observation = _active(actor, observation)
    observation.link_nonce = new_nonce()
    observation.save(update_fields=["link_nonce", "updated_at"])
    record(
        actor=actor,
        action="observation.rotate_link",
        obj=observation,
        division_path=observation.division_path,
        changes={"link_nonce": ["***", "***"]},
    )
    return observation
