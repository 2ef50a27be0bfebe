"""Every write of the outbreaks app: cluster detection (聚集性疫情) and the daily risk grading of
every county (分区分级). Both run as the system (``actor=None``) from a management command or a
background task, set-based over the whole province, idempotent, and audited in their
transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.cases.choices import Category
from fangkong.cases.models import Case
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.investigation.models import Movement
from fangkong.outbreaks.choices import CLUSTER_DAYS, CLUSTER_MIN_CASES, ClusterStatus, UnitKind
from fangkong.outbreaks.models import Cluster, ClusterCase, RiskGrade
from fangkong.outbreaks.rules import risk_grade
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

# The categories a cluster and the grading count: confirmed cases and asymptomatic infections
# (suspected ones are not yet cases, excluded ones never were).
CLUSTER_CATEGORIES = (Category.CONFIRMED, Category.ASYMPTOMATIC)
# Where a cluster is looked for first: the smallest unit that explains a group of cases. A group
# whose cases all belong to a group found in an earlier unit is not flagged again.
UNIT_ORDER = (UnitKind.HOUSEHOLD, UnitKind.WORKPLACE, UnitKind.PLACE, UnitKind.VILLAGE)
REASON_MAX = 300
NAME_MAX = 120


def window(day: dt.date, days: int = CLUSTER_DAYS) -> tuple[dt.date, dt.date]:
    """The ``days`` days ending on ``day`` (both included): 14 days = day-13 … day."""
    return day - dt.timedelta(days=days - 1), day


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def county_path(path: str) -> str:
    """The path of the county (level 3) a division path lies in, or "" above the counties."""
    parts = path.strip("/").split("/")
    return "/".join(parts[:3]) + "/" if len(parts) >= 3 else ""


# --- cluster detection ---------------------------------------------------------------------------


@dataclass
class Member:
    case_id: int
    number: str
    day: dt.date  # the diagnosis date


@dataclass
class Group:
    """Cases of one small unit within the window: a cluster to flag or to extend."""

    kind: UnitKind
    key: str
    where: str  # the unit in words (household address, village, workplace, place name)
    division_id: int
    division_path: str
    members: dict[int, Member] = field(default_factory=dict)
    link: str = ""  # the epidemiological link in words

    @property
    def case_ids(self) -> set[int]:
        return set(self.members)


@dataclass
class DetectResult:
    day: dt.date
    created: list[Cluster] = field(default_factory=list)
    extended: list[Cluster] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.extended)


def _eligible(day: dt.date) -> QuerySet[Case]:
    """Cases that count, diagnosed within the 14 days ending on ``day``."""
    first, last = window(day)
    return Case.objects.filter(
        category__in=CLUSTER_CATEGORIES,
        diagnosed_at__gte=_start_of(first),
        diagnosed_at__lt=_start_of(last + dt.timedelta(days=1)),
    )


def _grouped(rows: Iterable[dict[str, Any]], kind: UnitKind, link: str) -> dict[str, Group]:
    """Rows (one per case and unit) into groups by unit key."""
    groups: dict[str, Group] = {}
    for row in rows:
        key = str(row["unit"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                kind=kind,
                key=key[:NAME_MAX],
                where=str(row["u_where"] or ""),
                division_id=row["u_division"],
                division_path=row["u_path"],
                link=link,
            )
        diagnosed = timezone.localtime(row["diagnosed_at"]).date()
        group.members[row["case_id"]] = Member(row["case_id"], row["number"], diagnosed)
    return {k: g for k, g in groups.items() if len(g.members) >= CLUSTER_MIN_CASES}


def _unit_rows(qs: QuerySet[Any], unit_field: str = "unit", case_field: str = "id") -> QuerySet:
    """The rows of ``qs`` (annotated with ``unit``) whose unit holds two or more cases: the
    HAVING runs in the database, as a subquery of the same statement."""
    units = (
        qs.order_by()
        .values(unit_field)
        .annotate(n=Count(case_field, distinct=True))
        .filter(n__gte=CLUSTER_MIN_CASES)
        .values(unit_field)
    )
    return qs.filter(**{f"{unit_field}__in": units})


def _households(day: dt.date) -> dict[str, Group]:
    qs = (
        _eligible(day)
        .filter(person__household__isnull=False)
        .annotate(unit=F("person__household_id"))
    )
    rows = _unit_rows(qs).values(
        "unit",
        "number",
        "diagnosed_at",
        case_id=F("id"),
        u_where=F("person__household__address"),
        u_division=F("person__household__grid_id"),
        u_path=F("person__household__division_path"),
    )
    return _grouped(rows, UnitKind.HOUSEHOLD, _("living in the same household"))


def _villages(day: dt.date) -> dict[str, Group]:
    village = DbCase(
        When(address_division__level=Level.GRID, then=F("address_division__parent_id")),
        When(address_division__level=Level.VILLAGE, then=F("address_division_id")),
        default=None,
    )
    qs = _eligible(day).annotate(unit=village).filter(unit__isnull=False)
    rows = list(_unit_rows(qs).values("unit", "number", "diagnosed_at", case_id=F("id")))
    villages = {
        d.pk: d
        for d in Division.objects.filter(pk__in={r["unit"] for r in rows}).only("name", "path")
    }
    for r in rows:
        v = villages[r["unit"]]
        r.update(u_where=v.name, u_division=v.pk, u_path=v.path)
    return _grouped(rows, UnitKind.VILLAGE, _("living in the same village or community"))


def _workplaces(day: dt.date) -> dict[str, Group]:
    qs = (
        _eligible(day)
        .annotate(place_text=Trim("workplace"))
        .exclude(place_text="")
        .annotate(unit=Concat(Cast("county_id", CharField()), Value(":"), F("place_text")))
    )
    rows = _unit_rows(qs).values(
        "unit",
        "number",
        "diagnosed_at",
        case_id=F("id"),
        u_where=F("place_text"),
        u_division=F("county_id"),
        u_path=F("county__path"),
    )
    return _grouped(rows, UnitKind.WORKPLACE, _("working or studying at the same place"))


def _places(day: dt.date) -> dict[str, Group]:
    first, last = window(day)
    qs = Movement.objects.filter(
        day__range=(first, last),
        investigation__case__category__in=CLUSTER_CATEGORIES,
        investigation__case__diagnosed_at__lt=_start_of(last + dt.timedelta(days=1)),
    ).annotate(unit=F("place_id"))
    rows = _unit_rows(qs, case_field="investigation__case_id").values(
        "unit",
        case_id=F("investigation__case_id"),
        number=F("investigation__case__number"),
        diagnosed_at=F("investigation__case__diagnosed_at"),
        u_where=F("place__name"),
        u_division=F("place__division_id"),
        u_path=F("place__division_path"),
    )
    return _grouped(rows, UnitKind.PLACE, _("at the same place within 14 days"))


FINDERS = {
    UnitKind.HOUSEHOLD: _households,
    UnitKind.WORKPLACE: _workplaces,
    UnitKind.PLACE: _places,
    UnitKind.VILLAGE: _villages,
}


def find_groups(day: dt.date) -> list[Group]:
    """Every group of two or more linked cases within 14 days in one small unit, province-wide
    (one query per kind of unit). A group explained by a smaller unit already found (a household
    is also in a village) is left out."""
    found: list[Group] = []
    # case id → the case sets of the groups found that hold it: a group inside an earlier one
    # holds its first case too, so only those are compared (linear, not every pair: the whole
    # province's thousands of groups in a second, docs/outbreaks.md)
    holding: dict[int, list[set[int]]] = defaultdict(list)
    for kind in UNIT_ORDER:
        for group in FINDERS[kind](day).values():
            ids = group.case_ids
            if not ids or any(ids <= earlier for earlier in holding[next(iter(ids))]):
                continue
            found.append(group)
            for case_id in ids:
                holding[case_id].append(ids)
    return found


def _reason(group: Group, cases: Iterable[Member]) -> str:
    # no case numbers: a place's cluster may hold other counties' cases, and the reason is read
    # by every user who sees the cluster; the cluster page lists the members each may see
    members = sorted(cases, key=lambda m: (m.day, m.number))
    text = _("%(kind)s %(where)s: %(n)s cases %(link)s, diagnosed %(first)s to %(last)s.") % {
        "kind": UnitKind(group.kind).label,
        "where": group.where,
        "n": len(members),
        "link": group.link,
        "first": members[0].day.isoformat(),
        "last": members[-1].day.isoformat(),
    }
    if len(text) > REASON_MAX:
        text = text[: REASON_MAX - 1] + "…"
    return text


def _name(group: Group) -> str:
    return (
        _("%(kind)s cluster: %(where)s")
        % {"kind": UnitKind(group.kind).label, "where": group.where}
    )[:NAME_MAX]


def detect_clusters(*, day: dt.date | None = None, actor: User | None = None) -> DetectResult:
    """Flag every cluster of ``day`` (default today) province-wide, and add new cases to the
    cluster already flagged for the same unit (its last case within 14 days): running it again
    changes nothing. Each cluster created or extended writes one audit row, as the system."""
    day = day or timezone.localdate()
    ensure_in_scope(actor, "")  # the whole province: the system, or a user at the top
    groups = find_groups(day)
    result = DetectResult(day=day)
    if not groups:
        return result
    counties = {d.path: d for d in Division.objects.filter(level=Level.COUNTY).only("path", "name")}
    first, _last = window(day)
    with transaction.atomic():
        wanted = Q(pk__in=[])
        for kind in UnitKind:
            keys = [g.key for g in groups if g.kind == kind]
            if keys:
                wanted |= Q(unit_kind=kind, unit_key__in=keys)
        existing: dict[tuple[str, str], Cluster] = {}
        for cluster in (
            Cluster.objects.select_for_update()
            .filter(wanted, last_date__gte=first)
            .exclude(status=ClusterStatus.DISMISSED)
            .order_by("last_date", "id")
        ):
            existing[(cluster.unit_kind, cluster.unit_key)] = cluster  # the latest wins
        members: dict[int, set[int]] = defaultdict(set)
        for cluster_id, case_id in ClusterCase.objects.filter(
            cluster__in=list(existing.values())
        ).values_list("cluster_id", "case_id"):
            members[cluster_id].add(case_id)

        links: list[ClusterCase] = []
        for group in groups:
            found = existing.get((group.kind, group.key))
            if found is not None:
                cluster = found
                new = group.case_ids - members[cluster.pk]
                if not new:
                    continue
                days = [group.members[c].day for c in new]
                cluster.first_date = min(cluster.first_date, *days)
                cluster.last_date = max(cluster.last_date, *days)
                cluster.case_count = len(members[cluster.pk] | new)
                cluster.reason = _reason(group, group.members.values())
                cluster.save(update_fields=["first_date", "last_date", "case_count", "reason"])
                links += [ClusterCase(cluster=cluster, case_id=c) for c in sorted(new)]
                record(
                    actor=actor,
                    action="outbreaks.cluster_extend",
                    obj=cluster,
                    division_path=cluster.division_path,
                    changes={"cases": sorted(new)},
                    reason=cluster.reason,
                )
                result.extended.append(cluster)
                continue
            county = counties.get(county_path(group.division_path))
            if county is None:
                continue  # a unit above the counties cannot be flagged to one
            days = [m.day for m in group.members.values()]
            cluster = Cluster.objects.create(
                name=_name(group),
                unit_kind=group.kind,
                unit_key=group.key,
                division_id=group.division_id,
                division_path=group.division_path,
                county=county,
                reason=_reason(group, group.members.values()),
                detected_on=day,
                first_date=min(days),
                last_date=max(days),
                case_count=len(group.members),
            )
            links += [ClusterCase(cluster=cluster, case_id=c) for c in sorted(group.case_ids)]
            record(
                actor=actor,
                action="outbreaks.cluster_flag",
                obj=cluster,
                division_path=cluster.division_path,
                changes={"cases": sorted(group.case_ids)},
                reason=cluster.reason,
            )
            result.created.append(cluster)
        ClusterCase.objects.bulk_create(links, ignore_conflicts=True)
    return result


# --- risk grading --------------------------------------------------------------------------------


@dataclass
class GradeResult:
    day: dt.date
    graded: int = 0
    changed: list[RiskGrade] = field(default_factory=list)


def grade_figures(day: dt.date) -> dict[int, tuple[int, int, int]]:
    """county id → (cumulative confirmed, new confirmed in 14 days, clusters within 14 days),
    from two GROUP BY queries over the whole province."""
    first, last = window(day)
    end = _start_of(last + dt.timedelta(days=1))
    cases = (
        Case.objects.filter(category=Category.CONFIRMED, confirmed_at__lt=end)
        .order_by()
        .values("county_id")
        .annotate(
            cumulative=Count("id"),
            new=Count("id", filter=Q(confirmed_at__gte=_start_of(first))),
        )
    )
    clusters = (
        Cluster.objects.filter(last_date__gte=first, first_date__lte=last)
        .exclude(status=ClusterStatus.DISMISSED)
        .order_by()
        .values("county_id")
        .annotate(n=Count("id"))
    )
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in cases:
        figures[row["county_id"]][0] = row["cumulative"]
        figures[row["county_id"]][1] = row["new"]
    for row in clusters:
        figures[row["county_id"]][2] = row["n"]
    return {k: (v[0], v[1], v[2]) for k, v in figures.items()}


def grade_counties(*, day: dt.date | None = None, actor: User | None = None) -> GradeResult:
    """One risk grade per county for ``day`` (default today), upserted: running it again the
    same day rewrites the same rows. ``previous`` is the grade of the day before (blank when that
    day was not graded). A county whose grade changed today gets one audit row (as the system),
    the first time the change is seen; the workbench of its command offices and health
    commission shows it (``outbreaks/registry.py``)."""
    day = day or timezone.localdate()
    ensure_in_scope(actor, "")
    now = timezone.now()
    figures = grade_figures(day)
    counties = list(Division.objects.filter(level=Level.COUNTY, active=True).only("path", "name"))
    previous = dict(
        RiskGrade.objects.filter(day=day - dt.timedelta(days=1)).values_list("county_id", "grade")
    )
    result = GradeResult(day=day)
    with transaction.atomic():
        before = dict(
            RiskGrade.objects.select_for_update().filter(day=day).values_list("county_id", "grade")
        )
        rows = []
        for county in counties:
            cumulative, new, clusters = figures.get(county.pk, (0, 0, 0))
            grade = risk_grade(cumulative=cumulative, new_14d=new, clusters_14d=clusters)
            rows.append(
                RiskGrade(
                    county=county,
                    division_path=county.path,
                    day=day,
                    grade=grade,
                    previous=previous.get(county.pk, ""),
                    cumulative=cumulative,
                    new_14d=new,
                    clusters_14d=clusters,
                    computed_at=now,
                )
            )
        RiskGrade.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["county", "day"],
            update_fields=[
                "division_path",
                "grade",
                "previous",
                "cumulative",
                "new_14d",
                "clusters_14d",
                "computed_at",
            ],
        )
        result.graded = len(rows)
        for row in rows:
            if not row.changed or before.get(row.county_id) == row.grade:
                continue  # unchanged, or the change was already recorded today
            record(
                actor=actor,
                action="outbreaks.grade_change",
                object_type="outbreaks.riskgrade",
                object_id=f"{row.county_id}:{day.isoformat()}",
                object_repr=f"{row.county.name} {day.isoformat()}",
                division_path=row.division_path,
                changes={"grade": [row.previous, str(row.grade)]},
                reason=_(
                    "cumulative confirmed %(cumulative)s, new in 14 days %(new)s, "
                    "clusters in 14 days %(clusters)s"
                )
                % {"cumulative": row.cumulative, "new": row.new_14d, "clusters": row.clusters_14d},
            )
            result.changed.append(row)
    return result


def run_daily(
    *, day: dt.date | None = None, actor: User | None = None
) -> tuple[DetectResult, GradeResult]:
    """The daily job (`grade-risk`): clusters first, then the grades that count them."""
    clusters = detect_clusters(day=day, actor=actor)
    grades = grade_counties(day=day, actor=actor)
    return clusters, grades


def grade_now(*, actor: User) -> GradeResult:
    """Run today's clusters and grades again now, when a person asks (a case confirmed this
    morning should not wait for the night's run). The grades are computed as the system (they
    are facts derived from the records, the same for whoever asks); the request itself is
    audited as the person's, at their home division."""
    home = actor.home_division
    if home is None:
        raise ActionError(_("Your account has no home division."), code="no_home_division")
    with transaction.atomic():
        return _grade_now(actor, home)


def _grade_now(actor: User, home: Any) -> GradeResult:
    clusters, grades = run_daily(day=timezone.localdate())
    record(
        actor=actor,
        action="outbreaks.grade_now",
        obj=home,
        division_path=home.path,
        changes={
            "day": timezone.localdate().isoformat(),
            "clusters": clusters.changed,
            "changed": [row.county.code for row in grades.changed],
        },
    )
    return grades
