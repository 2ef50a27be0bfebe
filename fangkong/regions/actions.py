"""Every write to the division tree and the grids, each in one transaction with its audit row."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text, clean_phone
from fangkong.regions.choices import Kind, Level, StaffKind
from fangkong.regions.importer import ImportReport, Parsed, Problem
from fangkong.regions.models import Division, GridAssignment, GridStaff
from fangkong.regions.pinyin import pinyin_keys

if TYPE_CHECKING:
    from fangkong.accounts.models import User

LEVEL_COUNTER = {
    Level.PREFECTURE: "n_prefectures",
    Level.COUNTY: "n_counties",
    Level.TOWNSHIP: "n_townships",
    Level.VILLAGE: "n_villages",
    Level.GRID: "n_grids",
}
MAX_GRIDS_PER_VILLAGE = 999


def _bump_counts(division: Division, delta: int) -> None:
    """Add ``delta`` to the active-descendant counters of every ancestor (race-safe with F())."""
    column = LEVEL_COUNTER[Level(division.level)]
    Division.objects.filter(path__in=division.ancestor_paths()).update(
        **{column: F(column) + delta}
    )
    if division.parent_id:
        Division.objects.filter(pk=division.parent_id).update(n_children=F("n_children") + delta)


def _clean_name(name: str) -> str:
    name = check_text(" ".join((name or "").split()), field="name")
    if not name:
        raise ActionError(_("Enter a name."), code="name_required", field="name")
    if len(name) > 50:
        message = _("The name cannot be longer than %(max)s characters.") % {"max": 50}
        raise ActionError(message, code="name_too_long", field="name")
    return name


def _check_unique_grid_name(village: Division, name: str, exclude: int | None = None) -> None:
    clash = Division.objects.filter(parent=village, level=Level.GRID, active=True, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        message = _("This village or community already has a grid named “%(name)s”.") % {
            "name": name
        }
        raise ActionError(message, code="name_taken", field="name")


def _locked_grid(grid: Division) -> Division:
    """Re-read a grid under a row lock; refuse a retired one."""
    locked = Division.objects.select_for_update().get(pk=grid.pk)
    if locked.level != Level.GRID:
        raise ActionError(_("This division is not a grid."), code="not_a_grid")
    if not locked.active:
        raise ActionError(
            _("This grid has been retired or merged and can no longer be changed."),
            code="grid_retired",
        )
    return locked


@transaction.atomic
def create_grid(*, actor: User | None, village: Division, name: str, note: str = "") -> Division:
    """A village or community creates a grid (网格) under itself."""
    village = Division.objects.select_for_update().get(pk=village.pk)
    ensure_in_scope(actor, village.path)
    if village.level != Level.VILLAGE:
        raise ActionError(
            _("Grids can only be created under a village or community."),
            code="parent_not_village",
            field="village",
        )
    if not village.active:
        raise ActionError(
            _("This village or community is no longer active."),
            code="parent_inactive",
            field="village",
        )
    name = _clean_name(name)
    _check_unique_grid_name(village, name)
    last = Division.objects.filter(parent=village, level=Level.GRID).aggregate(m=Max("code"))["m"]
    number = int(last[-3:]) + 1 if last else 1
    if number > MAX_GRIDS_PER_VILLAGE:
        raise ActionError(
            _("This village or community has used up its grid numbers."),
            code="grid_numbers_exhausted",
        )
    short = f"{village.code}{number:03d}"
    full, initials = pinyin_keys(name)
    grid = Division.objects.create(
        code=short,
        name=name,
        level=Level.GRID,
        kind=Kind.GRID,
        parent=village,
        path=f"{village.path}{short}/",
        pinyin=full,
        initials=initials,
        note=check_text(note.strip(), field="note"),
    )
    _bump_counts(grid, +1)
    record(
        actor=actor,
        action="grid.create",
        obj=grid,
        division_path=grid.path,
        changes=diff({}, snapshot(grid, ["code", "name", "parent", "note"])),
    )
    return grid


@transaction.atomic
def rename_grid(
    *, actor: User | None, grid: Division, name: str, note: str | None = None
) -> Division:
    grid = _locked_grid(grid)
    ensure_in_scope(actor, grid.path)
    before = snapshot(grid, ["name", "note"])
    grid.name = _clean_name(name)
    _check_unique_grid_name(grid.parent, grid.name, exclude=grid.pk)  # type: ignore[arg-type]
    if note is not None:
        grid.note = check_text(note.strip(), field="note")
    grid.pinyin, grid.initials = pinyin_keys(grid.name)
    changes = diff(before, snapshot(grid, ["name", "note"]))
    if not changes:
        return grid
    grid.save(update_fields=["name", "note", "pinyin", "initials", "updated_at"])
    record(actor=actor, action="grid.rename", obj=grid, division_path=grid.path, changes=changes)
    return grid


def _end_assignments(grid: Division, reason: str, now: object) -> list[GridAssignment]:
    current = list(GridAssignment.objects.select_for_update().filter(grid=grid, ended_at=None))
    GridAssignment.objects.filter(pk__in=[a.pk for a in current]).update(
        ended_at=now, end_reason=reason
    )
    return current


@transaction.atomic
def retire_grid(*, actor: User | None, grid: Division, reason: str = "") -> Division:
    """Retire a grid: it stops taking new work; everything recorded under it stays."""
    grid = _locked_grid(grid)
    ensure_in_scope(actor, grid.path)
    now = timezone.now()
    ended = _end_assignments(grid, "网格撤销", now)
    grid.active = False
    grid.retired_at = now
    grid.save(update_fields=["active", "retired_at", "updated_at"])
    _bump_counts(grid, -1)
    record(
        actor=actor,
        action="grid.retire",
        obj=grid,
        division_path=grid.path,
        changes={"active": [True, False], "ended_assignments": [len(ended), 0]},
        reason=reason.strip(),
    )
    return grid


@transaction.atomic
def merge_grids(
    *, actor: User | None, source: Division, target: Division, reason: str = ""
) -> Division:
    """Merge ``source`` into ``target`` (same village). Source is retired with a pointer to the
    target; its current staff move to the target; its records stay where they were."""
    if source.pk == target.pk:
        raise ActionError(
            _("A grid cannot be merged into itself."), code="merge_self", field="target"
        )
    # Lock both rows in a fixed order so two concurrent merges cannot deadlock.
    first, second = sorted([source.pk, target.pk])
    locked = {d.pk: d for d in Division.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    for g in (source, target):
        ensure_in_scope(actor, g.path)
        if g.level != Level.GRID:
            raise ActionError(_("Only grids can be merged."), code="not_a_grid")
        if not g.active:
            message = _("The grid “%(name)s” has already been retired or merged.") % {
                "name": g.name
            }
            raise ActionError(message, code="grid_retired")
    if source.parent_id != target.parent_id:
        raise ActionError(
            _("Only grids of the same village or community can be merged."),
            code="merge_other_village",
            field="target",
        )
    now = timezone.now()
    moved = _end_assignments(source, f"并入{target.name}", now)
    already = set(
        GridAssignment.objects.filter(grid=target, ended_at=None).values_list("staff_id", flat=True)
    )
    GridAssignment.objects.bulk_create(
        [
            GridAssignment(grid=target, staff_id=a.staff_id)
            for a in moved
            if a.staff_id not in already
        ]
    )
    source.active = False
    source.retired_at = now
    source.merged_into = target
    source.save(update_fields=["active", "retired_at", "merged_into", "updated_at"])
    _bump_counts(source, -1)
    record(
        actor=actor,
        action="grid.merge",
        obj=source,
        division_path=source.path,
        changes={
            "active": [True, False],
            "merged_into": [None, target.code],
            "moved_staff": [0, len(moved)],
        },
        reason=reason.strip(),
    )
    record(
        actor=actor,
        action="grid.merge_in",
        obj=target,
        division_path=target.path,
        changes={"merged_from": [None, source.code]},
        reason=reason.strip(),
    )
    return target


# --- grid staff --------------------------------------------------------------------------------

STAFF_FIELDS = ["name", "phone", "kind", "party_organisation", "division", "user", "active"]


def _phone_taken() -> ActionError:
    return ActionError(
        _("Someone with this phone number is already registered in this village or community."),
        code="phone_taken",
        field="phone",
    )


def _clean_staff(village: Division, name: str, phone: str, kind: str) -> tuple[str, str]:
    if village.level != Level.VILLAGE:
        raise ActionError(
            _("Grid staff must be registered with a village or community."),
            code="parent_not_village",
            field="division",
        )
    if kind not in StaffKind.values:
        raise ActionError(_("Choose a kind of staff."), code="bad_kind", field="kind")
    return _clean_name(name), clean_phone(phone)


@transaction.atomic
def create_staff(
    *,
    actor: User | None,
    village: Division,
    name: str,
    phone: str,
    kind: str,
    party_organisation: str = "",
    user: User | None = None,
) -> GridStaff:
    ensure_in_scope(actor, village.path)
    name, phone = _clean_staff(village, name, phone, kind)
    if GridStaff.objects.filter(division=village, phone=phone).exists():
        raise _phone_taken()
    staff = GridStaff.objects.create(
        division=village,
        name=name,
        phone=phone,
        kind=kind,
        party_organisation=party_organisation.strip()[:100],
        user=user,
    )
    record(
        actor=actor,
        action="grid_staff.create",
        obj=staff,
        division_path=village.path,
        changes=diff({}, snapshot(staff, STAFF_FIELDS)),
    )
    return staff


@transaction.atomic
def update_staff(
    *,
    actor: User | None,
    staff: GridStaff,
    name: str,
    phone: str,
    kind: str,
    party_organisation: str = "",
    active: bool = True,
) -> GridStaff:
    staff = GridStaff.objects.select_for_update().select_related("division").get(pk=staff.pk)
    ensure_in_scope(actor, staff.division.path)
    before = snapshot(staff, STAFF_FIELDS)
    staff.name, staff.phone = _clean_staff(staff.division, name, phone, kind)
    if (
        GridStaff.objects.filter(division=staff.division, phone=staff.phone)
        .exclude(pk=staff.pk)
        .exists()
    ):
        raise _phone_taken()
    staff.kind = kind
    staff.party_organisation = party_organisation.strip()[:100]
    staff.active = active
    if not active:
        _end_staff_assignments(staff, "人员停用")
    changes = diff(before, snapshot(staff, STAFF_FIELDS))
    if changes:
        staff.save()
        record(
            actor=actor,
            action="grid_staff.update",
            obj=staff,
            division_path=staff.division.path,
            changes=changes,
        )
    return staff


def _end_staff_assignments(staff: GridStaff, reason: str) -> None:
    GridAssignment.objects.filter(staff=staff, ended_at=None).update(
        ended_at=timezone.now(), end_reason=reason
    )


@transaction.atomic
def assign_staff(*, actor: User | None, grid: Division, staff: GridStaff) -> GridAssignment:
    grid = _locked_grid(grid)
    ensure_in_scope(actor, grid.path)
    staff = GridStaff.objects.select_for_update().select_related("division").get(pk=staff.pk)
    ensure_in_scope(actor, staff.division.path)
    if staff.division_id != grid.parent_id:
        raise ActionError(
            _("Only staff registered with this village or community can be assigned."),
            code="staff_other_village",
            field="staff",
        )
    if not staff.active:
        raise ActionError(
            _("This person is no longer active."), code="staff_inactive", field="staff"
        )
    if GridAssignment.objects.filter(grid=grid, staff=staff, ended_at=None).exists():
        message = _("%(name)s is already assigned to this grid.") % {"name": staff.name}
        raise ActionError(message, code="already_assigned", field="staff")
    assignment = GridAssignment.objects.create(grid=grid, staff=staff)
    record(
        actor=actor,
        action="grid.assign",
        obj=assignment,
        division_path=grid.path,
        changes={"staff": [None, staff.name], "grid": [None, grid.code]},
    )
    return assignment


@transaction.atomic
def end_assignment(
    *, actor: User | None, assignment: GridAssignment, reason: str = ""
) -> GridAssignment:
    assignment = (
        GridAssignment.objects.select_for_update()
        .select_related("grid", "staff")
        .get(pk=assignment.pk)
    )
    ensure_in_scope(actor, assignment.grid.path)
    if assignment.ended_at is not None:
        raise ActionError(_("This assignment has already ended."), code="already_ended")
    assignment.ended_at = timezone.now()
    assignment.end_reason = (reason or "调离").strip()[:100]
    assignment.save(update_fields=["ended_at", "end_reason"])
    record(
        actor=actor,
        action="grid.unassign",
        obj=assignment,
        division_path=assignment.grid.path,
        changes={"ended_at": [None, assignment.ended_at.isoformat()]},
        reason=reason,
    )
    return assignment


# --- the tree as a whole -----------------------------------------------------------------------


def recount_divisions() -> int:
    """Recompute every division's counters from the tree itself. Returns rows changed.

    Used after an import and by ``fangkong recount-divisions``; day-to-day writes keep the
    counters current through :func:`_bump_counts`. Counting walks each row's path once in
    Python (a GROUP BY cannot, since paths under a province-administered county are shorter);
    only the rows whose counters differ are written.
    """
    columns = ["n_children", *LEVEL_COUNTER.values()]
    rows = list(
        Division.objects.values_list("id", "path", "level", "active", "parent_id", *columns)
    )
    by_path = {row[1]: row[0] for row in rows}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for _pk, path, level, active, parent_id, *_current in rows:
        if not active:
            continue
        if parent_id is not None:
            counts[parent_id]["n_children"] += 1
        column = LEVEL_COUNTER.get(Level(level))
        if column is None:
            continue
        parts = path.rstrip("/").split("/")
        for i in range(1, len(parts)):
            ancestor = by_path.get("/".join(parts[:i]) + "/")
            if ancestor is not None:
                counts[ancestor][column] += 1
    changed = []
    for pk, _path, _level, _active, _parent, *current in rows:
        new = counts.get(pk, Counter())
        wanted = [new[c] for c in columns]
        if wanted != list(current):
            changed.append((*wanted, pk))
    # One prepared UPDATE per changed row: psycopg 3 pipelines executemany and SQLite runs it
    # in-process, both far faster than bulk_update's CASE expressions over 13,000 rows.
    table = Division._meta.db_table
    assignments = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", changed)  # noqa: S608
    return len(changed)


# --- import ------------------------------------------------------------------------------------


def import_divisions(*, actor: User | None, parsed: Parsed) -> ImportReport:
    """Write checked division rows: create what is new, update names and parents that changed.

    Idempotent: a second run with the same files changes nothing and says so. Divisions in the
    database but not in the files are left alone and counted.
    """
    report = ImportReport()
    with transaction.atomic():
        existing = {d.code: d for d in Division.objects.exclude(level=Level.GRID)}
        by_short: dict[str, Division] = {d.short_code: d for d in existing.values()}
        in_files: set[str] = set()
        for level in (
            Level.PROVINCE,
            Level.PREFECTURE,
            Level.COUNTY,
            Level.TOWNSHIP,
            Level.VILLAGE,
        ):
            to_create: list[Division] = []
            to_update: list[Division] = []
            for row in (r for r in parsed.rows if r.level == level):
                in_files.add(row.full_code)
                parent = by_short.get(row.parent) if row.parent else None
                path = f"{parent.path if parent else ''}{row.code}/"
                current = existing.get(row.full_code)
                if current is None:
                    full, initials = pinyin_keys(row.name)
                    division = Division(
                        code=row.full_code,
                        name=row.name,
                        level=level,
                        kind=Kind.STATISTICAL,
                        parent=parent,
                        path=path,
                        pinyin=full,
                        initials=initials,
                    )
                    to_create.append(division)
                    report.created[level] += 1
                elif current.name != row.name or current.path != path:
                    if (
                        current.path != path
                        and Division.objects.filter(path__startswith=current.path)
                        .exclude(pk=current.pk)
                        .exists()
                    ):
                        reason = _(
                            "%(name)s (%(code)s) has divisions below it; an import cannot "
                            "change its parent."
                        ) % {"name": row.name, "code": row.code}
                        raise ActionError(
                            str(Problem(row.file, row.line, reason)), code="move_with_children"
                        )
                    before = snapshot(current, ["name", "path"])
                    current.name = row.name
                    current.parent = parent
                    current.path = path
                    current.pinyin, current.initials = pinyin_keys(row.name)
                    to_update.append(current)
                    report.updated[level] += 1
                    report.changes.append(
                        (current, diff(before, snapshot(current, ["name", "path"])))
                    )
                else:
                    report.unchanged[level] += 1
            created = Division.objects.bulk_create(to_create, batch_size=2000)
            for d in created:
                by_short[d.short_code] = d
                existing[d.code] = d
            Division.objects.bulk_update(
                to_update,
                ["name", "parent", "path", "pinyin", "initials", "updated_at"],
                batch_size=2000,
            )
        report.not_in_files = sum(
            1 for code, d in existing.items() if code not in in_files and d.kind == Kind.STATISTICAL
        )
        report.skipped_pseudo = parsed.skipped_pseudo
        if report.total_written:
            recount_divisions()
            record(
                actor=actor,
                action="divisions.import",
                object_type="regions.division",
                object_id="*",
                object_repr="行政区划导入",
                # One province's files: the row belongs to that province, so its administrators
                # see it; files spanning provinces stay visible to the national level only.
                division_path=_common_province_path(parsed),
                changes={
                    "created": [0, report.total_created],
                    "updated": [0, report.total_updated],
                },
            )
            for division, changes in report.changes[:1000]:
                record(
                    actor=actor,
                    action="division.update",
                    obj=division,
                    division_path=division.path,
                    changes=changes,
                )
    return report


def _common_province_path(parsed: Parsed) -> str:
    provinces = {row.code[:2] for row in parsed.rows}
    return f"{provinces.pop()}/" if len(provinces) == 1 else ""


ZONES = [
    # Management zones the notice is addressed to but the statistical codes do not list. Codes
    # are the project's own, in the prefecture range no statistical unit uses (docs/regions.md).
    ("2281", "长白山开发区"),
    ("2282", "长春新区"),
]


@transaction.atomic
def ensure_management_zones(*, actor: User | None, province_code: str = "22") -> int:
    """Add 长白山开发区 and 长春新区 as prefecture-level divisions of their own. Idempotent."""
    province = Division.objects.filter(path=f"{province_code}/").first()
    if province is None:
        return 0
    created = 0
    for short, name in ZONES:
        code = short.ljust(12, "0")
        if Division.objects.filter(code=code).exists():
            continue
        full, initials = pinyin_keys(name)
        zone = Division.objects.create(
            code=code,
            name=name,
            level=Level.PREFECTURE,
            kind=Kind.ZONE,
            parent=province,
            path=f"{province.path}{short}/",
            pinyin=full,
            initials=initials,
        )
        _bump_counts(zone, +1)
        record(
            actor=actor,
            action="division.create",
            obj=zone,
            division_path=zone.path,
            changes=diff({}, snapshot(zone, ["code", "name", "kind"])),
        )
        created += 1
    return created
