"""The demo scenario: real Jilin divisions, grids for one county, staff and users for every role.

People's names here are generated from common surnames and given names; they are no one.
Everything goes through the same actions a user's clicks do, so the demo is audited too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.context import origin
from fangkong.checkpoints.demo import load_checkpoints
from fangkong.demo.care import load_care_requests
from fangkong.demo.command import load_command, load_directives
from fangkong.demo.outbreak import load_outbreak
from fangkong.demo.population import load_population
from fangkong.demo.reports import load_reports
from fangkong.demo.screening import load_screening
from fangkong.demo.supplies import load_supplies
from fangkong.demo.treatment import load_treatment
from fangkong.demo.warning import load_warning
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import Level, StaffKind
from fangkong.regions.importer import read_division_files
from fangkong.regions.models import Division
from fangkong.zeroreport.demo import load_zero_report_history

JILIN_DIR = Path(__file__).resolve().parent.parent / "regions" / "data" / "divisions" / "jilin"
DEMO_COUNTY = "220102000000"  # 长春市南关区
DEMO_PASSWORD = "Fangkong-2020"  # noqa: S105 - the published demo password

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强海燕红梅立新春雷"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    division_code: str
    roles: tuple[str, ...]
    title: str


DEMO_USERS = [
    DemoUser(
        "admin",
        "系统管理员",
        "220000000000",
        (Role.SYSADMIN, Role.PROVINCE_COMMAND),
        "省指挥部系统管理员",
    ),
    # 三员分立: the system administrator above (no audit log), a security and an audit one
    DemoUser("anquan", "安全管理员", "220000000000", (Role.SECURITY_ADMIN,), "省指挥部安全管理员"),
    DemoUser("shenji", "审计管理员", "220000000000", (Role.AUDIT_ADMIN,), "省指挥部审计管理员"),
    DemoUser(
        "sheng",
        "省指挥部值班员",
        "220000000000",
        (Role.PROVINCE_COMMAND,),
        "省疫情防控指挥部办公室",
    ),
    DemoUser(
        "weijian", "省卫健委联络员", "220000000000", (Role.HEALTH_COMMISSION,), "省卫生健康委员会"
    ),
    DemoUser("zuzhi", "省委组织部干部", "220000000000", (Role.ORGANIZATION_DEPT,), "省委组织部"),
    DemoUser("xuanchuan", "省委宣传部干部", "220000000000", (Role.PUBLICITY_OFFICE,), "省委宣传部"),
    DemoUser(
        "changchun",
        "长春市指挥部值班员",
        "220100000000",
        (Role.CITY_COMMAND,),
        "长春市疫情防控指挥部",
    ),
    DemoUser(
        "changchun-weijian",
        "长春市卫健委医疗救治组",
        "220100000000",
        (Role.HEALTH_COMMISSION,),
        "长春市卫生健康委员会",  # orders admissions across the city's counties, runs the plans
    ),
    DemoUser(
        "wuzi", "长春市物资保障员", "220100000000", (Role.SUPPLIES_OFFICER,), "长春市物资保障组"
    ),
    DemoUser(
        "sheng-wuzi", "省物资保障员", "220000000000", (Role.SUPPLIES_OFFICER,), "省物资保障组"
    ),
    DemoUser(
        "changbaishan",
        "长白山开发区值班员",
        "228100000000",
        (Role.CITY_COMMAND,),
        "长白山开发区指挥部",
    ),
    DemoUser("xinqu", "长春新区值班员", "228200000000", (Role.CITY_COMMAND,), "长春新区指挥部"),
    DemoUser(
        "nanguan",
        "南关区指挥部值班员",
        "220102000000",
        (Role.COUNTY_COMMAND,),
        "南关区疫情防控指挥部",
    ),
    DemoUser("nanguan-admin", "南关区系统管理员", "220102000000", (Role.SYSADMIN,), "南关区指挥部"),
    DemoUser("kakou", "南关区卡口值守员", "220102000000", (Role.CHECKPOINT_STAFF,), "南关区卡口"),
    DemoUser("fare", "发热门诊医生", "220102000000", (Role.CLINIC_STAFF,), "南关区发热门诊"),
    DemoUser(
        "dingdian",
        "定点医院医务处",
        "220102000000",
        (Role.CLINIC_STAFF,),
        "长春市传染病医院医务处",  # the designated hospital: accepts patients, keeps the roster
    ),
    DemoUser(
        "nanguan-weijian",
        "南关区卫健局联络员",
        "220102000000",
        (Role.HEALTH_COMMISSION,),
        "南关区卫生健康局",
    ),
    # the sibling county, which receives the demo outbreak's contacts handed over (协查)
    DemoUser(
        "chaoyang",
        "朝阳区指挥部值班员",
        "220104000000",
        (Role.COUNTY_COMMAND,),
        "朝阳区疫情防控指挥部",
    ),
    DemoUser(
        "chaoyang-weijian",
        "朝阳区卫健局联络员",
        "220104000000",
        (Role.HEALTH_COMMISSION,),
        "朝阳区卫生健康局",  # accepts and works the hand-overs (协查) from 南关区
    ),
    DemoUser(
        "nanling", "南岭街道值班员", "220102001000", (Role.TOWNSHIP_COMMAND,), "南岭街道办事处"
    ),
    DemoUser("huayang", "陈建国", "220102001001", (Role.VILLAGE_SECRETARY,), "华阳社区党委书记"),
    DemoUser("wangge", "刘秀英", "220102001001001", (Role.GRID_WORKER,), "华阳社区第一网格网格员"),
]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = (
            rng.choice(["138", "139", "150", "186", "135", "177"]) + f"{rng.randrange(10**8):08d}"
        )
        if phone not in used:
            used.add(phone)
            return phone


def load_divisions() -> bool:
    if Division.objects.filter(level=Level.VILLAGE).exists():
        return False
    region_actions.import_divisions(actor=None, parsed=read_division_files(JILIN_DIR))
    return True


@transaction.atomic
def load_grids(seed: int = 2020) -> int:
    """Grids for every village and community of the demo county, with staff assigned."""
    county = Division.objects.get(code=DEMO_COUNTY)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    villages = list(Division.objects.filter(path__startswith=county.path, level=Level.VILLAGE))
    made = 0
    used: set[str] = set()
    for village in villages:
        if Division.objects.filter(parent=village, level=Level.GRID).exists():
            continue
        count = rng.randint(3, 6)
        grids = [
            region_actions.create_grid(
                actor=None,
                village=village,
                name=f"第{n}网格",
                note=f"{village.name}第{n}片区（楼栋/院落）",
            )
            for n in range(1, count + 1)
        ]
        made += len(grids)
        secretary_org = f"{village.name}党委"
        for number, grid in enumerate(grids, start=1):
            worker = region_actions.create_staff(
                actor=None,
                village=village,
                name=_person(rng),
                phone=_phone(rng, used),
                kind=StaffKind.GRID_WORKER,
                party_organisation="",
            )
            region_actions.assign_staff(actor=None, grid=grid, staff=worker)
            for _ in range(rng.randint(1, 3)):
                member = region_actions.create_staff(
                    actor=None,
                    village=village,
                    name=_person(rng),
                    phone=_phone(rng, used),
                    kind=StaffKind.PARTY_MEMBER,
                    party_organisation=f"{secretary_org}第{number}支部",
                )
                region_actions.assign_staff(actor=None, grid=grid, staff=member)
    return made


def load_users() -> list[DemoUser]:
    created = []
    for spec in DEMO_USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        division = Division.objects.get(code=spec.division_code)
        account_actions.create_user(
            actor=None,
            username=spec.username,
            password=DEMO_PASSWORD,
            home_division=division,
            roles=[str(r) for r in spec.roles],
            full_name=spec.full_name,
            title=spec.title,
            # published accounts: no forced change, or the next visitor finds them changed
            must_change_password=False,
        )
        created.append(spec)
    return created


def load_key_areas() -> int:
    """Hubei (湖北省, 42) is a key area from 2019-12-01, declared by the province."""
    import datetime as dt

    from fangkong.screening.actions import declare_key_area
    from fangkong.screening.models import KeyArea

    province = Division.objects.filter(level=Level.PROVINCE).order_by("code").first()
    if province is None or KeyArea.objects.filter(code="42").exists():
        return 0
    declare_key_area(
        actor=None, division=province, code="42", name="湖北省", start_date=dt.date(2019, 12, 1)
    )
    return 1


def load_demo() -> dict[str, int]:
    with origin(channel="cli"):
        imported = load_divisions()
        zones = region_actions.ensure_management_zones(actor=None)
        grids = load_grids()
        users = load_users()
        population = load_population(county_code=DEMO_COUNTY)  # once; bulk, one audit row
        care_requests = load_care_requests(county_code=DEMO_COUNTY)
        key_areas = load_key_areas()
        passages = load_checkpoints(random.Random(2020))  # noqa: S311 - demo data
        sweep = load_screening(county_code=DEMO_COUNTY)  # after the key areas; once
        outbreak = load_outbreak(county_code=DEMO_COUNTY)  # after the sweep; once
        treatment = load_treatment(county_code=DEMO_COUNTY)  # the outbreak's patients; once
        command = load_command(county_code=DEMO_COUNTY)  # leading groups, 包保, secretaries
        directives = load_directives(county_code=DEMO_COUNTY)  # after the groups: escalations
        supplies = load_supplies()  # the facilities' stores: after treatment's facilities
        grid_days = load_zero_report_history()  # reads every record above
        reports = load_reports(county_code=DEMO_COUNTY)  # last: its figures read everything
        warning = load_warning()  # after everything: the indicators read every record
    return {
        "divisions_imported": int(imported),
        "zones": zones,
        "grids": grids,
        "users": len(users),
        "households": population["households"],
        "people": population["people"],
        "care_requests": care_requests,
        "key_areas": key_areas,
        "passages": passages,
        "screenings": sweep["screenings"],
        "observations": sweep["observations"],
        "observations_active": sweep["active"],
        "check_ins": sweep["check_ins"],
        "grid_days_confirmed": grid_days,
        **{f"outbreak_{k}": v for k, v in outbreak.items()},
        **{f"treatment_{k}": v for k, v in treatment.items()},
        **{f"command_{k}": v for k, v in command.items()},
        **{f"directives_{k}": v for k, v in directives.items()},
        "daily_reports": reports,
        **{f"supplies_{k}": v for k, v in supplies.items()},
        **{f"warning_{k}": v for k, v in warning.items()},
    }
