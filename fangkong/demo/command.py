"""Demo unified command (统一指挥): the leading groups down the demo county's chain — 吉林省,
长春市, 南关区, each of its townships (街道) and 华阳社区 — with their offices, working groups and
members, the 包保 responsibilities of the county's and the township's leaders for the divisions
and fields below them, and the Party secretaries of the five levels. Names are made up, in the
style of the other demo stories; no one here is a real official. The village secretary's
membership is tied to the demo account ``huayang``, so escalations reach him in the app.

It goes through the command actions like a user's clicks, as the system (``actor=None``), once:
nothing happens if the demo county already has a leading group."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.command import actions
from fangkong.command.choices import MemberRole, WorkField
from fangkong.command.models import GroupMember, LeadingGroup, WorkingGroup
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

PROVINCE, CITY, COUNTY = "220000000000", "220100000000", "220102000000"
TOWNSHIP, VILLAGE = "220102001000", "220102001001"  # 南岭街道, 华阳社区

WORKING_GROUPS = [
    ("医疗救治组", WorkField.MEDICAL),
    ("物资保障组", WorkField.SUPPLIES),
    ("交通卡口组", WorkField.CHECKPOINTS),
    ("宣传舆论组", WorkField.PUBLICITY),
    ("社区防控组", WorkField.GRID),
]

# (name, post, role, working group field or None) per level; the leader is the secretary
MEMBERS: dict[int, list[tuple[str, str, str, str | None]]] = {
    Level.PROVINCE: [
        ("郑国华", "省委书记", MemberRole.LEADER, None),
        ("韩立民", "省长", MemberRole.DEPUTY, None),
        ("宋志刚", "副省长", MemberRole.DEPUTY, WorkField.MEDICAL),
        ("曹建新", "省卫生健康委员会主任", MemberRole.MEMBER, WorkField.MEDICAL),
        ("袁海涛", "省工业和信息化厅厅长", MemberRole.MEMBER, WorkField.SUPPLIES),
        ("邓春雷", "省公安厅副厅长", MemberRole.MEMBER, WorkField.CHECKPOINTS),
        ("许丽娟", "省委宣传部副部长", MemberRole.MEMBER, WorkField.PUBLICITY),
        ("傅明", "省政府副秘书长", MemberRole.OFFICE_DIRECTOR, None),
    ],
    Level.PREFECTURE: [
        ("沈建国", "市委书记", MemberRole.LEADER, None),
        ("彭志强", "市长", MemberRole.DEPUTY, None),
        ("吕海燕", "副市长", MemberRole.DEPUTY, WorkField.MEDICAL),
        ("萧立新", "市卫生健康委员会主任", MemberRole.MEMBER, WorkField.MEDICAL),
        ("程磊", "市商务局局长", MemberRole.MEMBER, WorkField.SUPPLIES),
        ("于伟", "市公安局副局长", MemberRole.MEMBER, WorkField.CHECKPOINTS),
        ("董秀兰", "市政府副秘书长", MemberRole.OFFICE_DIRECTOR, None),
    ],
    Level.COUNTY: [
        ("马春华", "区委书记", MemberRole.LEADER, None),
        ("罗建军", "区长", MemberRole.DEPUTY, None),
        ("梁玉兰", "常务副区长", MemberRole.DEPUTY, WorkField.GRID),
        ("谢涛", "副区长", MemberRole.DEPUTY, WorkField.MEDICAL),
        ("唐丽", "区卫生健康局局长", MemberRole.MEMBER, WorkField.MEDICAL),
        ("冯勇", "区公安分局副局长", MemberRole.MEMBER, WorkField.CHECKPOINTS),
        ("何敏", "区委宣传部部长", MemberRole.MEMBER, WorkField.PUBLICITY),
        ("林志强", "区政府办公室主任", MemberRole.OFFICE_DIRECTOR, None),
    ],
    Level.TOWNSHIP: [
        ("郭建华", "街道党工委书记", MemberRole.LEADER, None),
        ("高秀英", "街道办事处主任", MemberRole.DEPUTY, None),
        ("朱立新", "街道党工委副书记", MemberRole.MEMBER, WorkField.GRID),
        ("胡海燕", "社区卫生服务中心主任", MemberRole.MEMBER, WorkField.MEDICAL),
        ("孙伟", "街道综治办主任", MemberRole.OFFICE_DIRECTOR, None),
    ],
    Level.VILLAGE: [
        ("陈建国", "社区党委书记", MemberRole.LEADER, None),  # the demo account huayang
        ("吴娜", "社区居委会主任", MemberRole.DEPUTY, WorkField.GRID),
        ("周春梅", "社区卫生服务站站长", MemberRole.MEMBER, WorkField.MEDICAL),
        ("徐刚", "社区民警", MemberRole.MEMBER, WorkField.CHECKPOINTS),
    ],
}
ACCOUNTS = {("陈建国", VILLAGE): "huayang"}


def _group_name(division: Division) -> str:
    if division.level <= Level.COUNTY:
        return f"{division.name}新型冠状病毒感染的肺炎疫情防控工作领导小组"
    return f"{division.name}疫情防控工作领导小组"


def _phone(n: int) -> str:
    return f"1390431{n:04d}"


def _group(division: Division, start: dt.date, counter: list[int]) -> LeadingGroup:
    group = actions.create_group(
        actor=None,
        division=division,
        name=_group_name(division),
        office_name=f"{division.name}疫情防控指挥部办公室",
        office_phone=f"0431{8800_0000 + division.pk % 10_000_000:08d}"[:12],
    )
    working: dict[str, WorkingGroup] = {
        field: actions.add_working_group(actor=None, group=group, name=name, field=field)
        for name, field in (WORKING_GROUPS if division.level <= Level.COUNTY else [])
    }
    members = MEMBERS[Level(division.level)]
    for name, post, role, field in members:
        counter[0] += 1
        member = actions.add_member(
            actor=None,
            group=group,
            name=name,
            post=post,
            phone=_phone(counter[0]),
            role=role,
            working_group=working.get(field) if field else None,
            joined_on=start,
        )
        username = ACCOUNTS.get((name, division.code))
        if username:
            GroupMember.objects.filter(pk=member.pk).update(
                account=User.objects.filter(username=username).first()
            )
        if field:
            actions.assign_responsibility(actor=None, member=member, field=field, starts_on=start)
    return group


@transaction.atomic
def load_command(*, county_code: str = COUNTY, today: dt.date | None = None) -> dict[str, int]:
    """Once: nothing happens if the county already has a leading group (or is not there)."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=30)
    county = Division.objects.filter(code=county_code).first()
    if county is None or LeadingGroup.objects.filter(division=county).exists():
        return {"groups": 0, "responsibilities": 0}
    chain = [
        d
        for d in Division.objects.filter(path__in=county.ancestor_paths()).order_by("level")
        if d.level < Level.COUNTY
    ]
    townships = list(
        Division.objects.filter(parent=county, level=Level.TOWNSHIP, active=True).order_by("code")
    )
    village = Division.objects.filter(code=VILLAGE, active=True).first()
    counter = [0]
    groups = {}
    for division in [*chain, county, *townships, *([village] if village else [])]:
        if LeadingGroup.objects.filter(division=division).exists():
            continue
        groups[division.code] = _group(division, start, counter)
        name, post, _role, _field = MEMBERS[Level(division.level)][0]
        actions.set_secretary(
            actor=None,
            division=division,
            name=name,
            post=post,
            phone=_phone(9000 + division.level),
            starts_on=start,
        )
    # 包保: the county's leader and deputies each cover townships in turn, the township's
    # deputy and grid member cover its communities
    made = 0
    county_group = groups.get(county.code)
    if county_group is not None:
        leaders = list(
            county_group.members.filter(role__in=[MemberRole.LEADER, MemberRole.DEPUTY]).order_by(
                "id"
            )
        )
        for i, township in enumerate(townships):
            actions.assign_responsibility(
                actor=None, member=leaders[i % len(leaders)], division=township, starts_on=start
            )
            made += 1
    for township in townships:
        group = groups.get(township.code)
        if group is None:
            continue
        covering = list(group.members.exclude(role=MemberRole.OFFICE_DIRECTOR).order_by("id"))
        villages = Division.objects.filter(parent=township, level=Level.VILLAGE, active=True)
        for i, v in enumerate(villages.order_by("code")):
            actions.assign_responsibility(
                actor=None, member=covering[i % len(covering)], division=v, starts_on=start
            )
            made += 1
    return {"groups": len(groups), "responsibilities": made}


# --- directives and closures ------------------------------------------------------------------

VENUES = [
    ("农贸市场", "market"),
    ("小学", "school"),
    ("影城", "cinema"),
    ("网吧", "entertainment"),
    ("老年活动室", "gathering"),
]
DONE_DIRECTIVE = "关于全面开展入户排查、做到不漏一户不落一人的通知"
OVERDUE_DIRECTIVE = "关于落实居家医学观察人员“五包一”责任的通知"
CLOSURE_ORDER = "关于暂停辖区内人员聚集性场所营业和活动的通知"


def _venues(townships: list[Division]) -> int:
    """Two or three venues in each community of the first three streets."""
    from fangkong.command import directives

    made = 0
    for township in townships[:3]:
        for i, village in enumerate(
            Division.objects.filter(parent=township, level=Level.VILLAGE, active=True).order_by(
                "code"
            )
        ):
            stem = village.name.removesuffix("社区").removesuffix("村")
            # each venue in a grid of the community, so that its grid worker confirms it
            grids = list(
                Division.objects.filter(parent=village, level=Level.GRID, active=True).order_by(
                    "code"
                )
            ) or [village]
            for j, (suffix, kind) in enumerate(VENUES[i % 3 : i % 3 + 2 + i % 2]):
                where = grids[j % len(grids)]
                directives.add_venue(actor=None, division=where, name=stem + suffix, kind=kind)
                made += 1
    return made


@transaction.atomic
def load_directives(*, county_code: str = COUNTY, today: dt.date | None = None) -> dict[str, int]:
    """Two directives of the county to its streets — one done (passed on by the first street to
    its communities, which completed it), one overdue and escalated — and a closure order over
    the county's venues, about half confirmed closed and a few checked. Once: nothing happens
    if the county has issued a directive."""
    from fangkong.command import directives
    from fangkong.command.choices import DirectiveKind
    from fangkong.command.models import Directive, DirectiveRecipient, VenueClosure

    county = Division.objects.filter(code=county_code).first()
    if county is None or Directive.objects.filter(division=county).exists():
        return {"directives": 0, "venues": 0, "closures_confirmed": 0}
    now = timezone.now()
    townships = list(
        Division.objects.filter(parent=county, level=Level.TOWNSHIP, active=True).order_by("code")
    )
    if not townships:
        return {"directives": 0, "venues": 0, "closures_confirmed": 0}
    # 1. done: issued six days ago, the first street passed it on, everyone completed
    done = directives.issue_directive(
        actor=None,
        issuer_division=county,
        title=DONE_DIRECTIVE,
        content="各街道要组织网格员、社区干部、下沉干部逐户逐人排查，重点排查近14天内"
        "有湖北旅居史人员，建立台账，每日上报。",
        deadline=now + dt.timedelta(days=1),
        feedback_required="排查户数、人数及发现的重点人员数",
        level=Level.TOWNSHIP,
    )
    first = done.recipients.get(division=townships[0])
    directives.acknowledge(actor=None, recipient=first)
    passed = directives.pass_on(actor=None, recipient=first, level=Level.VILLAGE)
    for row in passed.recipients.order_by("id"):
        directives.complete(actor=None, recipient=row, evidence="已完成入户排查，台账已上报街道。")
    for row in done.recipients.exclude(state="done").order_by("id"):
        directives.complete(
            actor=None, recipient=row, evidence="辖区各社区已完成排查，台账见附表。"
        )
    issued = now - dt.timedelta(days=6)
    Directive.objects.filter(pk__in=[done.pk, passed.pk]).update(
        issued_at=issued, deadline=issued + dt.timedelta(days=2)
    )
    DirectiveRecipient.objects.filter(directive__in=[done, passed]).update(
        deadline=issued + dt.timedelta(days=2),
        acknowledged_at=issued + dt.timedelta(hours=2),
        completed_at=issued + dt.timedelta(days=1),
    )
    # 2. overdue: due yesterday at 18:00, a third not done, escalated to their leaders
    overdue = directives.issue_directive(
        actor=None,
        issuer_division=county,
        title=OVERDUE_DIRECTIVE,
        content="每名居家医学观察人员由1名社区干部、1名网格员、1名民警、1名医生、1名志愿者"
        "包保，落实每日两次体温监测和生活保障。",
        deadline=now + dt.timedelta(days=1),
        feedback_required="包保责任落实名单",
        level=Level.TOWNSHIP,
    )
    rows = list(overdue.recipients.order_by("division__code"))
    for i, row in enumerate(rows):
        if i % 3 == 0:
            continue  # not even acknowledged
        directives.acknowledge(actor=None, recipient=row)
        if i % 3 == 1:
            directives.complete(actor=None, recipient=row, evidence="已落实包保名单，见附件。")
        else:
            directives.report_progress(
                actor=None, recipient=row, progress="已完成一半社区的名单，正在补充。"
            )
    due = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now) - dt.timedelta(days=1), dt.time(18, 0))
    )
    Directive.objects.filter(pk=overdue.pk).update(
        issued_at=due - dt.timedelta(days=2), deadline=due
    )
    DirectiveRecipient.objects.filter(directive=overdue).update(deadline=due)
    # the answers came in the day after it was issued, before the deadline
    answered = due - dt.timedelta(hours=30)
    DirectiveRecipient.objects.filter(directive=overdue, acknowledged_at__isnull=False).update(
        acknowledged_at=answered
    )
    DirectiveRecipient.objects.filter(directive=overdue, completed_at__isnull=False).update(
        completed_at=answered + dt.timedelta(hours=6)
    )
    DirectiveRecipient.objects.filter(directive=overdue, progress_at__isnull=False).update(
        progress_at=answered + dt.timedelta(hours=6)
    )
    escalated = directives.escalate_overdue_directives(now=now)
    # 3. the closure order over the venues of the county, half confirmed, a few checked
    venues = _venues(townships)
    order = directives.issue_directive(
        actor=None,
        issuer_division=county,
        title=CLOSURE_ORDER,
        content="即日起，辖区内农贸市场（保障民生的除外）、影城、网吧、棋牌室、老年活动室等"
        "人员聚集场所暂停营业，中小学校推迟开学，由所在社区和网格逐一确认关闭。",
        deadline=now + dt.timedelta(days=1),
        feedback_required="关闭场所清单",
        kind=DirectiveKind.CLOSURE,
        level=Level.TOWNSHIP,
    )
    confirmed = 0
    for i, closure in enumerate(
        VenueClosure.objects.filter(directive=order).order_by("division_path", "id")
    ):
        if i % 2:
            continue
        directives.confirm_closed(
            actor=None, closure=closure, note="已张贴停业通知，现场核实关闭。"
        )
        confirmed += 1
        if i % 6 == 0:
            directives.check_closure(actor=None, closure=closure, note="街道督查组现场核查。")
    return {
        "directives": 3,
        "escalated": escalated,
        "venues": venues,
        "closures_confirmed": confirmed,
    }
