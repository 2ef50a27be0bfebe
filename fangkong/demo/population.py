"""The demo county's population: households and people with valid resident ID numbers.

Every number is made by the rules of GB 11643-1999 (address code, real birth date, sequence with
odd = male and even = female, the MOD 11-2 check character) and checked again with
``fangkong.people.idcard.parse_resident_id``, so the people pass the same validation as anyone
a grid worker registers. Names come from common surnames and given names: they are no one.

The figures the generator is shaped by (吉林省第七次全国人口普查公报 No. 1, 2021-05-24; the
first two are in the project's reference data, ``data/README.md`` and
``population/jilin-census-2020.csv``):

- **2.34 people per family household** (9,426,822 family households): household sizes are drawn
  from :data:`HOUSEHOLD_SIZES`, whose mean is 2.34.
- **Sex**: 12,018,319 men and 12,055,134 women (sex ratio 99.69), so a person whose sex the
  household does not fix is a man with probability :data:`P_MALE` = 0.4992.
- **Age** (the same bulletin's age table; not in the reference CSV): 0-14 years 11.71 %,
  15-59 years 65.23 %, 60 and over 23.06 %. Households are made of couples, children and
  grandparents of plausible ages (:func:`_members`), tuned so that the county comes out close
  to these shares; ``tests/test_population.py`` checks it does.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from fangkong.audit.actions import record
from fangkong.audit.models import AuditEvent
from fangkong.people.choices import DocType
from fangkong.people.idcard import check_character, parse_resident_id
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

AUDIT_ACTION = "demo.population"
AREAS_CSV = (
    Path(__file__).resolve().parent.parent
    / "regions"
    / "data"
    / "divisions"
    / "jilin"
    / "areas.csv"
)

# Household size → share of family households. Mean 2.34, the census figure for Jilin.
HOUSEHOLD_SIZES = {1: 0.26, 2: 0.35, 3: 0.23, 4: 0.11, 5: 0.05}
P_MALE = 12_018_319 / (12_018_319 + 12_055_134)  # 0.4992, sex ratio 99.69
# Where residents' numbers were first issued: most in the demo county itself, some elsewhere in
# Jilin (the real county codes of areas.csv), a few in other provinces.
P_HOME_COUNTY = 0.80
P_OTHER_JILIN = 0.15
# Real county-level codes (GB/T 2260) in other provinces, all prefixes of idcard.PROVINCES:
# neighbouring Liaoning, Heilongjiang and Inner Mongolia, and the cities people move from.
OTHER_PROVINCES = [
    "210102",  # 沈阳市和平区
    "210202",  # 大连市中山区
    "230102",  # 哈尔滨市道里区
    "150102",  # 呼和浩特市新城区
    "110105",  # 北京市朝阳区
    "370102",  # 济南市历下区
    "130102",  # 石家庄市长安区
    "410102",  # 郑州市中原区
    "420102",  # 武汉市江岸区
    "440103",  # 广州市荔湾区
]

# Common surnames, most common first (drawn with weights falling with rank); 金/朴 for the
# Korean and 关/佟 for the Manchu families of Jilin.
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤朴关佟"
)
# Given names by the decade people were born in, as names went in northeast China.
GIVEN_NAMES = {
    # born before 1960
    "old": {
        "M": "建国 国华 振华 德明 志刚 长林 福 贵 国庆 树林 凤山 玉林 宝山 永祥 德生 文斌 广才",
        "F": "桂英 淑珍 秀兰 玉兰 桂兰 凤兰 秀英 玉珍 淑兰 凤芝 秀珍 玉芬 桂芝 素芬 淑华 凤霞",
    },
    # born 1960-1989
    "middle": {
        "M": "伟 强 磊 军 勇 涛 明 超 刚 海涛 建华 志强 立新 春雷 晓东 宏伟 海波 东 鹏 亮 斌",
        "F": "丽 敏 静 艳 娟 霞 红梅 海燕 丽娟 秀梅 春燕 晓燕 丽华 雪梅 玲 颖 丹 莉 杰 红",
    },
    # born 1990 and later
    "young": {
        "M": "浩然 子轩 宇航 俊杰 博文 浩宇 一鸣 思远 天佑 明轩 宇 鑫 浩 鹏飞 子豪 梓睿 奕辰",
        "F": "欣怡 梓萱 诗涵 雨桐 佳怡 子涵 思琪 雨欣 可馨 婷 悦 琳 晨曦 一诺 紫涵 梦瑶 欣然",
    },
}
# Mainland mobile number segments of China Mobile, China Unicom and China Telecom.
MOBILE_PREFIXES = tuple(
    str(n)
    for n in (
        *range(134, 140), 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188, 198,
        130, 131, 132, 155, 156, 166, 175, 176, 185, 186,
        133, 153, 173, 177, 180, 181, 189, 199,
    )
)  # fmt: skip


@dataclass(frozen=True)
class Resident:
    name: str
    sex: str  # "M" or "F"
    birth_date: dt.date
    doc_number: str
    phone: str


def other_jilin_counties(home: str) -> list[str]:
    """Jilin's county-level codes from areas.csv, except the home county and the development
    zones (xx71-xx79: statistical codes, never address codes of an ID card)."""
    with AREAS_CSV.open(encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    return [c for c in codes if c != home and int(c[4:]) < 70]


class PopulationGenerator:
    """Makes households of residents; deterministic for a given ``rng`` and ``today``."""

    def __init__(
        self,
        rng: random.Random,
        *,
        today: dt.date,
        home_county: str = "220102",
        used: set[str] | None = None,
    ):
        self.rng = rng
        self.today = today
        self.home_county = home_county
        self.other_jilin = other_jilin_counties(home_county)
        self.used: set[str] = used if used is not None else set()
        sizes, shares = zip(*HOUSEHOLD_SIZES.items(), strict=True)
        self._sizes = list(sizes)
        self._size_cum = list(itertools.accumulate(shares))
        weights = [1 / (rank + 4) for rank in range(len(SURNAMES))]
        self._surname_cum = list(itertools.accumulate(weights))
        self._given = {
            era: {sex: names.split() for sex, names in by_sex.items()}
            for era, by_sex in GIVEN_NAMES.items()
        }

    # --- one household ---------------------------------------------------------------------

    def household(self) -> list[Resident]:
        size = self._sizes[
            bisect.bisect_left(self._size_cum, self.rng.random() * self._size_cum[-1])
        ]
        return [self.resident(sex, age, surname) for sex, age, surname in self._members(size)]

    def _members(self, size: int) -> list[tuple[str, int, str]]:
        """(sex, age, surname) of each member: couples, children, grandparents. Children take
        the father's surname; a grandfather living in shares it too."""
        r, rng = self.rng.random(), self.rng
        husband, wife = self.surname(), self.surname()

        def couple(low: int, high: int) -> list[tuple[str, int, str]]:
            age = rng.randint(low, high)
            return [("M", age, husband), ("F", max(low - 2, age - rng.randint(0, 4)), wife)]

        def child(parent_age: int, oldest: int, grown: bool = False) -> tuple[str, int, str]:
            top = max(0, min(oldest, parent_age - 23))
            age = rng.randint(0, top)
            if grown:  # an only child is as often at university or working as at school
                age = max(age, rng.randint(0, top))
            return (self.sex(), age, husband)

        if size == 1:
            if r < 0.32:  # an elderly person living alone, more often a widow
                return [("F" if rng.random() < 0.6 else "M", rng.randint(60, 92), husband)]
            return [("M" if rng.random() < 0.6 else "F", rng.randint(18, 59), husband)]
        if size == 2:
            if r < 0.36:  # an older couple whose children have left
                return couple(56, 84)
            if r < 0.85:
                return couple(22, 59)
            parent = ("F" if rng.random() < 0.7 else "M", rng.randint(35, 58), husband)
            return [parent, child(parent[1], 26)]
        if size == 3:
            if r < 0.80:  # one child, often grown up (most families have one)
                members = couple(34, 62)
                return [*members, child(members[0][1], 32, grown=True)]
            members = couple(52, 72)  # with a grown-up child still at home
            return [*members, (self.sex(), rng.randint(22, members[0][1] - 24), husband)]
        if size == 4:
            members = couple(33, 54)
            if r < 0.20:
                return [*members, child(members[0][1], 22), child(members[0][1], 22)]
            # a widowed grandparent living in, more often a grandmother
            sex = "F" if rng.random() < 0.6 else "M"
            grandparent = (sex, min(members[0][1] + rng.randint(22, 32), 92), self.surname())
            return [*members, child(members[0][1], 26), grandparent]
        members = couple(30, 45)  # three generations: grandparents, parents, a child
        grandpa = min(members[0][1] + rng.randint(23, 32), 88)
        return [
            ("M", grandpa, husband),
            ("F", grandpa - rng.randint(0, 4), self.surname()),
            *members,
            child(members[0][1], 14),
        ]

    # --- one person ------------------------------------------------------------------------

    def sex(self) -> str:
        return "M" if self.rng.random() < P_MALE else "F"

    def surname(self) -> str:
        pick = self.rng.random() * self._surname_cum[-1]
        return SURNAMES[bisect.bisect_left(self._surname_cum, pick)]

    def resident(self, sex: str, age: int, surname: str) -> Resident:
        birth = self.birth_date(age)
        era = "old" if birth.year < 1960 else "middle" if birth.year < 1990 else "young"
        name = surname + self.rng.choice(self._given[era][sex])
        return Resident(
            name=name,
            sex=sex,
            birth_date=birth,
            doc_number=self.id_number(birth, sex),
            phone=self.phone(age),
        )

    def birth_date(self, age: int) -> dt.date:
        """A real date on which someone born is ``age`` years old today."""
        try:
            latest = self.today.replace(year=self.today.year - age)
        except ValueError:  # 29 February
            latest = self.today.replace(year=self.today.year - age, day=28)
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def address_code(self) -> str:
        r = self.rng.random()
        if r < P_HOME_COUNTY:
            return self.home_county
        if r < P_HOME_COUNTY + P_OTHER_JILIN:
            return self.rng.choice(self.other_jilin)
        return self.rng.choice(OTHER_PROVINCES)

    def id_number(self, birth: dt.date, sex: str) -> str:
        """A number no one else in ``used`` has: the sequence's last digit is odd for a man."""
        area = self.address_code()
        while True:
            sequence = self.rng.randrange(1, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.used:
                self.used.add(number)
                return number

    def phone(self, age: int) -> str:
        """Children under 12 and some of the oldest have no mobile of their own."""
        if (
            age < 12
            or (age < 16 and self.rng.random() < 0.5)
            or (age >= 80 and self.rng.random() < 0.4)
        ):
            return ""
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"


def addresses(village: Division, grid_number: int) -> Iterator[str]:
    """Door addresses in a grid: flats of apartment blocks in a community, yards in a village
    (村委会). Each grid has its own blocks or groups, so addresses differ across the village."""
    if village.name.endswith("村委会"):
        name = village.name.removesuffix("委会")
        for number in itertools.count(1):
            yield f"{name}{grid_number}组{number}号"
    blocks = itertools.count((grid_number - 1) * 6 + 1)
    for block in blocks:
        for unit in (1, 2, 3):
            for floor in range(1, 7):
                for flat in (1, 2):
                    yield f"{village.name}{block}栋{unit}单元{floor}{flat:02d}室"


@transaction.atomic
def load_population(
    *,
    county_code: str = "220102000000",
    seed: int = 2020,
    households_per_grid: tuple[int, int] = (30, 60),
    today: dt.date | None = None,
) -> dict[str, int]:
    """Households and people for every active grid of the county; once (a second run, seen by
    its audit row, creates nothing)."""
    county = Division.objects.get(code=county_code)
    if AuditEvent.objects.filter(action=AUDIT_ACTION, division_path=county.path).exists():
        return {"households": 0, "people": 0}
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    used = set(
        Person.objects.filter(doc_type=DocType.RESIDENT_ID).values_list("doc_number", flat=True)
    )
    generator = PopulationGenerator(
        rng, today=today or timezone.localdate(), home_county=county_code[:6], used=used
    )
    taken = set(
        Household.objects.filter(division_path__startswith=county.path).values_list(
            "grid_id", "address"
        )
    )
    grids = (
        Division.objects.filter(path__startswith=county.path, level=Level.GRID, active=True)
        .select_related("parent")
        .order_by("code")
    )
    households: list[Household] = []
    members: list[list[Resident]] = []
    for grid in grids:
        doors = addresses(grid.parent, int(grid.code[-3:]))  # type: ignore[arg-type]
        for _ in range(rng.randint(*households_per_grid)):
            address = next(a for a in doors if (grid.pk, a) not in taken)
            if rng.random() < 0.08:  # an empty flat between two households
                address = next(a for a in doors if (grid.pk, a) not in taken)
            households.append(Household(grid=grid, division_path=grid.path, address=address))
            members.append(generator.household())
    # Bulk, not register_person once per person: the action looks the identity up, locks it and
    # writes an audit row for each person, which for ~30,000 invented residents would take
    # minutes and bury the audit log under rows that record nothing anyone did. These rows are
    # made here, each number checked by parse_resident_id like the action checks it, and the
    # load is recorded by one summary audit row. Should register_person ever keep more than
    # these two tables (a counter, a summary), this loader must do the same in bulk.
    Household.objects.bulk_create(households, batch_size=1000)
    people = []
    for household, residents in zip(households, members, strict=True):
        for resident in residents:
            checked = parse_resident_id(resident.doc_number, today=generator.today)
            if (checked.sex, checked.birth_date) != (resident.sex, resident.birth_date):
                raise RuntimeError(f"generated {resident.doc_number} contradicts its resident")
            people.append(
                Person(
                    name=resident.name,
                    doc_type=DocType.RESIDENT_ID,
                    doc_number=resident.doc_number,
                    sex=resident.sex,
                    birth_date=resident.birth_date,
                    phone=resident.phone,
                    address=household.address,
                    household=household,
                    grid_id=household.grid_id,
                    division_path=household.division_path,
                )
            )
    Person.objects.bulk_create(people, batch_size=2000)
    record(
        actor=None,
        action=AUDIT_ACTION,
        object_type="people.person",
        object_id="*",
        object_repr=f"{county.name}演示人口",
        division_path=county.path,
        changes={"households": [0, len(households)], "people": [0, len(people)]},
    )
    return {"households": len(households), "people": len(people)}
