"""Demo checkpoints for 长春市南关区, with a few days of passages.

Two sites run by the 南关区 command office. They are plausible, illustrative sites, not records
of real ones: a city-rural fringe checkpoint where the ring expressway leaves 幸福乡 on the
southern edge of the district, and a checkpoint at a long-distance bus station inside the
district (长春站, the railway station, lies in 宽城区, so it is not used). Travellers are
generated: names from common surnames, resident ID numbers that pass GB 11643 (built with
the real check character), phones that are no one's. Some come from Hubei, some have a fever,
and those go to the grids of 华阳社区, where the demo's grid worker (``wangge``) finds them in
the to-do list. Everything goes through the module's actions, so it is audited like real work.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import Direction, Outcome, SiteKind, Source
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, Handover
from fangkong.core.jurisdiction import path_in_scope
from fangkong.people.choices import DocType
from fangkong.people.idcard import check_character
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

COUNTY = "220102000000"  # 长春市南关区
HUAYANG = "220102001001"  # 南岭街道华阳社区, where the demo grid worker works
SITES = [
    # name, type, longitude, latitude, note
    (
        "幸福乡绕城高速卡口",
        SiteKind.URBAN_FRINGE,
        Decimal("125.392100"),
        Decimal("43.776400"),
        "城乡结合部：长春绕城高速南关区出口（示例点位）",
    ),
    (
        "南关区长途客运站卡口",
        SiteKind.BUS_STATION,
        Decimal("125.334500"),
        Decimal("43.862300"),
        "站点：长途客运站进站口（示例点位）",
    ),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国玉志海燕红梅立新春雷"
# Where travellers come from: (division code of the origin, its name, ID address code, weight).
ORIGINS = [
    ("2201", "吉林省长春市", "220104", 30),
    ("2202", "吉林省吉林市", "220202", 12),
    ("2203", "吉林省四平市", "220302", 6),
    ("2101", "辽宁省沈阳市", "210102", 5),
    ("2301", "黑龙江省哈尔滨市", "230102", 4),
    ("1101", "北京市", "110105", 3),
    ("4201", "湖北省武汉市", "420106", 4),
    ("4210", "湖北省荆州市", "421002", 2),
]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def resident_id(rng: random.Random, address_code: str) -> str:
    """A number that passes GB 11643: address, a real birth date, a sequence, the check."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    first17 = f"{address_code}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_character(first17)


def _plate(rng: random.Random, province: str) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(5))
    if rng.random() < 0.15:
        return f"{province}{rng.choice('ABCK')}D{body[:5]}"
    return f"{province}{rng.choice(PLATE_LETTERS[:12])}{body}"


def _temperature(rng: random.Random, fever: bool) -> Decimal:
    if fever:
        return Decimal(str(round(rng.uniform(37.4, 38.9), 1)))
    return Decimal(str(round(rng.uniform(36.0, 37.1), 1)))


def _sites(county: Division) -> list[Checkpoint]:
    township = Division.objects.filter(code="220102200000", active=True).first()  # 幸福乡
    sites = []
    for (name, kind, lon, lat, note), runner in zip(
        SITES, [township or county, county], strict=True
    ):
        existing = Checkpoint.objects.filter(name=name, division=runner).first()
        sites.append(
            existing
            or actions.create_checkpoint(
                actor=None,
                division=runner,
                name=name,
                kind=kind,
                longitude=lon,
                latitude=lat,
                note=note,
            )
        )
    return sites


@transaction.atomic
def load_checkpoints(rng: random.Random) -> int:
    """The two demo checkpoints and three days of passages. Returns the passages created;
    running it again adds nothing (the sites exist)."""
    county = Division.objects.filter(code=COUNTY).first()
    if county is None or Checkpoint.objects.filter(division_path__startswith=county.path).exists():
        return 0
    sites = _sites(county)
    huayang_grids = list(
        Division.objects.filter(
            path__startswith=f"{county.path}220102001/{HUAYANG}/", level=Level.GRID, active=True
        ).order_by("code")
    )
    grids = list(
        Division.objects.filter(path__startswith=county.path, level=Level.GRID, active=True)
    )
    villages = list(
        Division.objects.filter(path__startswith=county.path, level=Level.VILLAGE, active=True)
    )
    places = grids or villages or [county]
    residents = list(
        Person.objects.filter(division_path__startswith=county.path).order_by("id")[:40]
    )
    staff = User.objects.filter(username="kakou").first()
    now = timezone.now()
    created = 0
    for site in sites:
        for day in range(3, -1, -1):
            inputs = []
            for _ in range(rng.randint(6, 12) if day else rng.randint(3, 6)):
                minutes = rng.randrange(60 * 14 if day else 60 * 2)
                passed_at = now - dt.timedelta(days=day, minutes=minutes + 5)
                on_foot = site.kind == SiteKind.BUS_STATION or rng.random() < 0.1
                people = []
                for _person in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
                    code, origin_name, address, _w = rng.choices(
                        ORIGINS, weights=[o[3] for o in ORIGINS]
                    )[0]
                    from_hubei = code.startswith("42")
                    fever = rng.random() < 0.06
                    flagged = from_hubei or fever
                    resident = rng.choice(residents) if residents and rng.random() < 0.1 else None
                    if resident is not None:  # a registered resident coming home
                        destination_code = resident.division_path.rstrip("/").rsplit("/", 1)[-1]
                    elif flagged and huayang_grids:
                        destination_code = rng.choice(huayang_grids[:2] + huayang_grids).code
                    else:
                        destination_code = rng.choice(places).code
                    people.append(
                        PersonInput(
                            name=resident.name if resident else _name(rng),
                            doc_type=DocType.RESIDENT_ID,
                            doc_number=resident.doc_number
                            if resident
                            else resident_id(rng, address),
                            phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                            temperature=_temperature(rng, fever),
                            origin_code=code,
                            origin_name=origin_name,
                            destination=destination_code,
                            destination_detail=f"{rng.randint(1, 40)}栋{rng.randint(1, 6)}单元",
                        )
                    )
                province = "鄂" if people[0].origin_code.startswith("42") else "吉"
                inputs.append(
                    PassageInput(
                        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                        plate="" if on_foot else _plate(rng, province),
                        direction=Direction.IN if rng.random() < 0.85 else Direction.OUT,
                        passed_at=passed_at,
                        people=people,
                    )
                )
            results = actions.register_passages(
                actor=staff, checkpoint=site, inputs=inputs, source=Source.BATCH
            )
            created += sum(1 for r in results if r.status == actions.Status.CREATED)
    _handle_some(now)
    return created


def _handle_some(now: dt.datetime) -> None:
    """The older flagged travellers have been followed up (by the grid worker where it is
    their grid, else by the community secretary); the latest are still to do."""
    users = sorted(
        User.objects.filter(username__in=["wangge", "huayang"]),
        key=lambda u: u.username != "wangge",
    )
    outcomes = [Outcome.SCREENED, Outcome.OBSERVATION, Outcome.VISITED, Outcome.REFERRED]
    old = Handover.objects.filter(
        entry__passage__passed_at__lt=now - dt.timedelta(days=1, hours=12)
    ).order_by("id")
    for i, handover in enumerate(old):
        actor = next((u for u in users if path_in_scope(u, handover.destination_path)), None)
        actions.handle_handover(
            actor=actor,
            handover=handover,
            outcome=outcomes[i % len(outcomes)],
            note="已电话联系并上门核实" if i % 2 else "已排查登记",
        )
