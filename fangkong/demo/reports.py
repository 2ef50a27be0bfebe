"""Demo daily supervision reports (工作督查日报告): 14 days of them from every community of the
demo county up through its streets, the county, 长春市 and 吉林省, approved level by level, some
villages late, one report returned and corrected, and today's only partly in — the villages
that have submitted, one returned with a reason, the rest still to come before 16:00.

The demo has data for one county only: the other counties of 长春市 and the other cities are
marked missing by their parent each day with the reason saying so, so that the parents can
submit (the completeness page shows them missing, which is what they are in the demo).

It goes through the reports actions as the system (``actor=None``) with the moments passed in
(``at=``), so lateness follows the deadlines; once: nothing happens if the county has a report."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports import actions, selectors
from fangkong.reports.choices import State
from fangkong.reports.models import DailyReport

DAYS = 14
NOT_IN_DEMO = "演示数据只含南关区，本单位未接入"
PLANS = [
    "继续开展入户排查，重点核查近14天返乡人员。",
    "加强小区出入口管控，落实体温检测和登记。",
    "做好居家观察人员生活保障和心理疏导。",
    "组织志愿者配送生活物资，开展环境消杀。",
]
PROBLEMS = [
    ("医用外科口罩库存不足，仅够两天使用。", "请求街道调拨口罩2000只。"),
    ("部分老旧小区无物业，出入口值守人手不足。", "请求增派下沉干部4名。"),
    ("红外测温枪电池损耗快。", "请求配发备用电池。"),
]


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def _arrangements(division: Division) -> list[dict[str, object]]:
    doing = ["on_site_command", "front_line", "at_post", "front_line"]
    return [
        {"member_id": m.pk, "where": division.name, "doing": doing[i % len(doing)], "note": ""}
        for i, m in enumerate(selectors.roster(division)[:6])
    ]


def _submit(division: Division, day: dt.date, at: dt.datetime, rng: random.Random) -> DailyReport:
    problems = []
    if rng.random() < 0.15:
        text, request = rng.choice(PROBLEMS)
        problems.append({"text": text, "request": request})
    return actions.submit_report(
        actor=None,
        division=division,
        day=day,
        arrangements=_arrangements(division),
        problems=problems,
        tomorrow_plan=rng.choice(PLANS),
        at=at,
    )


def _day(
    day: dt.date,
    chain: list[Division],
    tree: dict[int, list[Division]],
    rng: random.Random,
    *,
    returned: bool,
) -> int:
    """Every reporting division of the chain's subtree submits and is approved, bottom up."""
    made = 0
    county, city, province = chain[2], chain[1], chain[0]
    townships = tree[county.pk]
    for t_index, township in enumerate(townships):
        for v_index, village in enumerate(tree[township.pk]):
            late = rng.random() < 0.06  # a few after 16:00
            at = (
                _local(day, 16, rng.randrange(5, 50))
                if late
                else _local(day, rng.randrange(13, 16), rng.randrange(0, 60))
            )
            report = _submit(village, day, at, rng)
            made += 1
            if returned and t_index == 0 and v_index == 0:
                actions.return_report(
                    actor=None,
                    report=report,
                    reason="在岗情况未填写完整，请补充后重新上报。",
                    at=_local(day, 16, 20),
                )
                report = _submit(village, day, _local(day, 16, 45), rng)
            actions.approve(actor=None, report=report, at=_local(day, 16, 52))
        made += 1
        # most streets on time (17:00), every fifth late
        at = _local(day, 17, 15) if t_index % 5 == 0 else _local(day, 16, 56)
        report = _submit(township, day, at, rng)
        actions.approve(actor=None, report=report, at=_local(day, 17, 40))
    report = _submit(county, day, _local(day, 17, 50), rng)
    for sibling in tree[city.pk]:
        if sibling.pk != county.pk:
            actions.mark_missing(
                actor=None, division=sibling, day=day, reason=NOT_IN_DEMO, at=_local(day, 18, 10)
            )
    actions.approve(actor=None, report=report, at=_local(day, 18, 20))
    report = _submit(city, day, _local(day, 18, 40), rng)
    for sibling in tree[province.pk]:
        if sibling.pk != city.pk:
            actions.mark_missing(
                actor=None, division=sibling, day=day, reason=NOT_IN_DEMO, at=_local(day, 19, 10)
            )
    actions.approve(actor=None, report=report, at=_local(day, 19, 20))
    _submit(province, day, _local(day, 19, 45), rng)
    return made + 3


@transaction.atomic
def load_reports(*, county_code: str, today: dt.date | None = None, seed: int = 2020) -> int:
    """Once: nothing happens if the county has a report (or is not there)."""
    today = today or timezone.localdate()
    county = Division.objects.filter(code=county_code).first()
    if county is None or DailyReport.objects.filter(division=county).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    ancestors = Division.objects.filter(path__in=county.ancestor_paths()).order_by("level")
    chain = [*ancestors, county]
    parents = [*chain[:-1], county]
    tree: dict[int, list[Division]] = {
        p.pk: list(
            Division.objects.filter(parent=p, active=True, level__lte=Level.VILLAGE).order_by(
                "code"
            )
        )
        for p in parents
    }
    for township in tree[county.pk]:
        tree[township.pk] = list(
            Division.objects.filter(parent=township, active=True, level=Level.VILLAGE).order_by(
                "code"
            )
        )
    made = 0
    for back in range(DAYS - 1, 0, -1):
        made += _day(today - dt.timedelta(days=back), chain, tree, rng, returned=back == 3)
    # today: about two thirds of the villages are in, one returned; nobody above has reviewed
    now = timezone.localtime()
    first = tree[tree[county.pk][0].pk] if tree[county.pk] else []
    for township in tree[county.pk]:
        for i, village in enumerate(tree[township.pk]):
            if i % 3 == 2:
                continue
            at = min(now, _local(today, 9 + i % 6, (7 * i) % 60))
            report = _submit(village, today, at, rng)
            made += 1
            if first and village.pk == first[0].pk:
                actions.return_report(
                    actor=None,
                    report=report,
                    reason="发热人数与排查台账不一致，请核对后重新上报。",
                    at=min(now, at + dt.timedelta(minutes=30)),
                )
            elif township.pk != tree[county.pk][0].pk and report.state == State.SUBMITTED:
                actions.approve(actor=None, report=report, at=min(now, at + dt.timedelta(hours=1)))
    return made
