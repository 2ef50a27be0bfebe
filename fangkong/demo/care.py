"""Demo care requests (帮扶关爱) in the demo county, in every state, some of them overdue.

Most are in 华阳社区, whose secretary (``huayang``) and grid worker of 第1网格 (``wangge``) are
demo accounts, so both see open, assigned, overdue, done and cancelled requests. They go
through the care actions like a user's clicks; requests "taken down" days ago pass the day
they were taken down as the action's ``today``, which is how some are overdue now.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind, Urgency
from fangkong.care.models import CareRequest
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level, StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff


@dataclass(frozen=True)
class Story:
    grid: str  # grid code
    kind: str
    description: str
    days_ago: int = 0  # when it was taken down
    urgency: str = Urgency.NORMAL
    assign: bool = False
    done: str = ""  # the note, when done
    cancelled: str = ""  # the reason, when cancelled


HUAYANG_1, HUAYANG_2, HUAYANG_3 = "220102001001001", "220102001001002", "220102001001003"
HENGAN_1, BEIAN_1 = "220102001002001", "220102002001001"
JIANKANG_1, BAYI_1 = "220102003001001", "220102200201001"  # 健康胡同社区, 八一村委会

STORIES = [
    # 华阳社区第1网格 (the demo grid worker's)
    Story(HUAYANG_1, CareKind.ELDERLY_ALONE, "独居老人，子女在外地，需每日电话问候、上门看望。"),
    Story(
        HUAYANG_1,
        CareKind.MEDICINE,
        "居家医学观察中，降压药（硝苯地平缓释片）只剩一天的量，需代购。",
        days_ago=3,
        urgency=Urgency.URGENT,
    ),
    Story(HUAYANG_1, CareKind.FOOD, "居家观察家庭，需代购米、面、油和一周的蔬菜。", 4, assign=True),
    Story(HUAYANG_1, CareKind.FOOD, "需代购蔬菜、鸡蛋和牛奶。", assign=True),
    Story(
        HUAYANG_1,
        CareKind.MEDICINE,
        "糖尿病，需代取胰岛素。",
        days_ago=6,
        assign=True,
        done="已到社区卫生服务中心代取胰岛素，送到家中。",
    ),
    Story(
        HUAYANG_1,
        CareKind.CHILDREN_ALONE,
        "父母在集中隔离点，孩子独自在家，需要照看。",
        days_ago=2,
        urgency=Urgency.CRITICAL,
        cancelled="孩子已由外婆接回照看。",
    ),
    # 华阳社区第2、3网格
    Story(HUAYANG_2, CareKind.OTHER, "暖气不热，老人怕冷，需联系物业维修。", days_ago=5),
    Story(HUAYANG_2, CareKind.FOOD, "需代购米面油。", days_ago=1, assign=True),
    Story(
        HUAYANG_3,
        CareKind.ELDERLY_ALONE,
        "独居老人行动不便，需帮助购买生活用品。",
        days_ago=7,
        assign=True,
    ),
    # elsewhere in 南关区: 恒安社区, 健康胡同社区 (民康街道), 八一村 (幸福乡), 北安社区 (自强街道)
    Story(HENGAN_1, CareKind.MEDICINE, "慢性病用药需代购。", days_ago=4, assign=True),
    Story(JIANKANG_1, CareKind.FOOD, "居家观察，需代购一周的口粮和蔬菜。", days_ago=1, assign=True),
    Story(BAYI_1, CareKind.ELDERLY_ALONE, "独居老人，取暖用煤快烧完了，需帮助购买。", days_ago=4),
    Story(
        BEIAN_1,
        CareKind.ELDERLY_ALONE,
        "独居老人，需上门测体温。",
        days_ago=5,
        assign=True,
        done="党员每日上门测体温，体温正常。",
    ),
]


def _subject(grid: Division, story: Story, rng: random.Random, today: dt.date) -> Person | None:
    """Someone in the grid the story fits: for an elderly person living alone the oldest who
    lives alone, for children left alone a child under 12, otherwise anyone."""
    households = list(
        Household.objects.filter(grid=grid).prefetch_related("members").order_by("pk")
    )
    rng.shuffle(households)
    # (person, age, size of their household)
    people = [
        (p, (today - p.birth_date).days // 365 if p.birth_date else 0, len(h.members.all()))
        for h in households
        for p in h.members.all()
    ]
    if not people:
        return None
    if story.kind == CareKind.ELDERLY_ALONE:
        alone = [entry for entry in people if entry[2] == 1] or people
        return max(alone, key=lambda entry: entry[1])[0]
    if story.kind == CareKind.CHILDREN_ALONE:
        children = [entry for entry in people if entry[1] < 12] or people
        return min(children, key=lambda entry: entry[1])[0]
    return people[0][0]


def _party_member(grid: Division) -> GridStaff | None:
    assignment = (
        GridAssignment.objects.filter(
            grid=grid,
            ended_at=None,
            staff__kind=StaffKind.PARTY_MEMBER,
            staff__active=True,
        )
        .select_related("staff")
        .order_by("pk")
        .first()
    )
    return assignment.staff if assignment else None


@transaction.atomic
def load_care_requests(
    *, county_code: str = "220102000000", seed: int = 2020, today: dt.date | None = None
) -> int:
    """The stories above, once: nothing happens if the county has any care request."""
    county = Division.objects.get(code=county_code)
    if CareRequest.objects.filter(division_path__startswith=county.path).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    grids = {
        g.code: g
        for g in Division.objects.filter(
            code__in={s.grid for s in STORIES}, level=Level.GRID, active=True
        )
    }
    made = 0
    for story in STORIES:
        grid = grids.get(story.grid)
        person = _subject(grid, story, rng, today) if grid else None
        if grid is None or person is None:
            continue
        care = care_actions.create_care_request(
            actor=None,
            grid=grid,
            person=person,
            kind=story.kind,
            description=story.description,
            urgency=story.urgency,
            today=today - dt.timedelta(days=story.days_ago),
        )
        made += 1
        member = _party_member(grid)
        if story.assign and member is not None:
            care_actions.assign_care_request(actor=None, care=care, staff=member)
            if story.done:
                care_actions.complete_care_request(actor=None, care=care, note=story.done)
        if story.cancelled:
            care_actions.cancel_care_request(actor=None, care=care, reason=story.cancelled)
    return made
