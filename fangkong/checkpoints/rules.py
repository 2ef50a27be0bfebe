"""The rules of checkpoint work, in one place: what flags a traveller, what a plate looks like,
where a checkpoint may stand, and which areas are key areas (重点地区) on a given day.

Key areas are data kept by the screening module (``fangkong.screening.models.KeyArea``). This
module reads them only through :func:`key_area_for` and :func:`key_area_index`, which import
the model lazily and find none while that app is not installed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.checkpoints.choices import FlagReason
from fangkong.core.errors import ActionError

# The temperature bounds and the fever threshold are the people app's, shared with screening and
# observation: checked here through the same functions.
from fangkong.people.health import clean_temperature as clean_temperature
from fangkong.people.health import is_fever

# Passages are registered as they happen; a terminal that was offline uploads them later, but
# not weeks later. A few minutes ahead are allowed for terminals whose clock runs fast.
MAX_AGE = dt.timedelta(days=7)
CLOCK_SKEW = dt.timedelta(minutes=5)

CHINA_LON = (Decimal(73), Decimal(136))
CHINA_LAT = (Decimal(3), Decimal(54))
JILIN_LON = (Decimal("121.6"), Decimal("131.3"))
JILIN_LAT = (Decimal("40.8"), Decimal("46.3"))
JILIN_PATH = "22/"

# --- plates ------------------------------------------------------------------------------------

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # plates use no I and no O
REGULAR_PLATE = re.compile(
    rf"^[{PROVINCE_ABBREVIATIONS}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]$"
)
# New-energy plates (2017): small cars D/F then five (吉AD12345), large vehicles five then D/F.
NEW_ENERGY_PLATE = re.compile(
    rf"^[{PROVINCE_ABBREVIATIONS}][{_LETTER}](?:[DF][{_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$"
)
ON_FOOT = {"", "步行", "行人", "无", "-", "NONE"}


def normalise_plate(raw: str | None) -> str:
    """Without spaces and separators, letters upper case: ``吉a·12345`` → ``吉A12345``."""
    return re.sub(r"[\s·•.\-_]", "", raw or "").upper()


def clean_plate(raw: str | None) -> str:
    """A mainland plate, normalised (``吉A·12345`` → ``吉A12345``); "" for people on foot."""
    plate = normalise_plate(raw)
    if plate in ON_FOOT:
        return ""
    if REGULAR_PLATE.match(plate) or NEW_ENERGY_PLATE.match(plate):
        return plate
    raise ActionError(
        _(
            "“%(plate)s” is not a mainland plate. Enter it like 吉A12345 (new energy: "
            "吉AD12345), or leave it empty (步行) for people on foot."
        )
        % {"plate": (raw or "")[:20]},
        code="bad_plate",
        field="plate",
    )


# --- time (the temperature is checked by fangkong.people.health) ------------------------------


def clean_passed_at(value: dt.datetime, now: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ActionError(
            _("Give the time with its time zone."), code="naive_time", field="passed_at"
        )
    if value > now + CLOCK_SKEW:
        raise ActionError(
            _("The time of passage is in the future."), code="future_time", field="passed_at"
        )
    if value < now - MAX_AGE:
        raise ActionError(
            _("The time of passage is more than %(days)d days ago.") % {"days": MAX_AGE.days},
            code="too_old",
            field="passed_at",
        )
    return value


# --- where a checkpoint stands -----------------------------------------------------------------


def clean_location(longitude: Decimal, latitude: Decimal) -> tuple[Decimal, Decimal]:
    """Coordinates inside China's bounding box (73–136 E, 3–54 N), six decimals."""
    try:
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
    except (ArithmeticError, ValueError):
        raise ActionError(
            _("Enter longitude and latitude as decimal degrees."),
            code="bad_location",
            field="longitude",
        ) from None
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1]):
        raise ActionError(
            _("The longitude must be between 73 and 136 (east), inside China."),
            code="outside_china",
            field="longitude",
        )
    if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        raise ActionError(
            _("The latitude must be between 3 and 54 (north), inside China."),
            code="outside_china",
            field="latitude",
        )
    return lon, lat


def location_warnings(division_path: str, longitude: Decimal, latitude: Decimal) -> list[str]:
    """Doubts worth telling the user, not errors: a Jilin site outside Jilin's bounding box."""
    if not division_path.startswith(JILIN_PATH):
        return []
    inside = JILIN_LON[0] <= longitude <= JILIN_LON[1] and JILIN_LAT[0] <= latitude <= JILIN_LAT[1]
    if inside:
        return []
    return [
        _(
            "The location (%(lon)s E, %(lat)s N) is outside Jilin (121.6–131.3 E, 40.8–46.3 N): "
            "check that longitude and latitude are not swapped or mistyped."
        )
        % {"lon": longitude, "lat": latitude}
    ]


# --- key areas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyAreaSpan:
    """A key area as this module needs it: a division code prefix, a name and its dates."""

    prefix: str  # the division's short code: "42" (湖北省), "4201" (武汉市)
    name: str
    start: dt.date
    end: dt.date | None  # inclusive; None = still a key area

    def covers(self, code: str, on_date: dt.date) -> bool:
        if on_date < self.start or (self.end is not None and on_date > self.end):
            return False
        return code.startswith(self.prefix)


def short_code(code: str) -> str:
    """The significant part of a statistical code: ``420100000000`` → ``4201``."""
    code = code.strip()
    if len(code) > 12:
        return code
    padded = code.ljust(12, "0")
    for length in (2, 4, 6, 9):
        if padded[length:].strip("0") == "":
            return padded[:length]
    return padded


def _key_area_model() -> Any:
    """``fangkong.screening.models.KeyArea``, or None while the screening app is not installed."""
    if not apps.is_installed("fangkong.screening"):
        return None
    try:
        from fangkong.screening.models import KeyArea
    except ImportError:  # pragma: no cover - installed but without the model
        return None
    return KeyArea


class KeyAreaIndex:
    """The key areas of a date range, read once, to check many travellers without a query each.
    The most specific area wins: 武汉市 (4201) before 湖北省 (42)."""

    def __init__(self, spans: Iterable[KeyAreaSpan]):
        self.spans = sorted(spans, key=lambda s: (-len(s.prefix), s.start))

    def match(self, code: str, on_date: dt.date) -> KeyAreaSpan | None:
        if not code:
            return None
        for span in self.spans:
            if span.covers(code, on_date):
                return span
        return None


def key_area_index(first: dt.date, last: dt.date, *, within: str | None = None) -> KeyAreaIndex:
    """Every key area in force on some day from ``first`` to ``last``, in one query.

    ``within`` is the path of the division whose rules apply (a checkpoint's division): only
    areas declared by it or by a division above it hold there (a province's declaration holds
    province-wide, a city's in that city). None: every declared area.
    """
    model = _key_area_model()
    if model is None:
        return KeyAreaIndex([])
    qs = model.objects.filter(start_date__lte=last).filter(
        Q(end_date=None) | Q(end_date__gte=first)
    )
    if within is not None:
        qs = qs.applying_to(within)
    rows = qs.values_list("code", "name", "start_date", "end_date")
    return KeyAreaIndex(
        KeyAreaSpan(short_code(c), name, start, end) for c, name, start, end in rows
    )


def key_area_for(code: str, on_date: dt.date, *, within: str | None = None) -> KeyAreaSpan | None:
    """The key area that ``code`` (a division code) lay in on ``on_date``, or None."""
    return key_area_index(on_date, on_date, within=within).match(code, on_date)


def flag_reasons(*, temperature: Decimal, key_area: KeyAreaSpan | None) -> list[str]:
    reasons = []
    if key_area is not None:
        reasons.append(FlagReason.KEY_AREA.value)
    if is_fever(temperature):
        reasons.append(FlagReason.FEVER.value)
    return reasons
