"""Resident identity card numbers (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit address code (the first two digits a province), an 8-digit birth date,
a 3-digit sequence (odd = male, even = female) and a check character computed by ISO 7064
MOD 11-2. Legacy 15-digit numbers (two-digit year, no check character) are converted to 18.
This is our domain and small enough to own: no library validates against the province list.
"""

from __future__ import annotations

import datetime as dt
import operator
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_YEAR = 1890  # no one alive was born earlier

# Province-level codes of GB/T 2260 (国家统计局 statistical division codes).
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省",
    "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip


class InvalidIdNumber(ValueError):
    """The number is not a valid resident ID; the message says why, for the user."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def province_code(self) -> str:
        return self.number[:2]


def check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed from 17 digits")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARACTERS[total % 11]


def compose_resident_id(area: str, birth_date: dt.date, sequence: int) -> str:
    """A valid 18-character number from its parts (6-digit address code, birth date, 3-digit
    sequence: odd for a man, even for a woman), for demo data and tests."""
    first17 = f"{area}{birth_date:%Y%m%d}{sequence:03d}"
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"not the parts of an ID number: {area!r}, {birth_date}, {sequence}")
    return first17 + check_character(first17)


def normalise(raw: str) -> str:
    """What people type, as the characters of a number: full-width digits become ASCII
    (NFKC), spaces and dashes go, a lower-case x becomes X."""
    text = raw or ""
    if not (text.isascii() and text.isalnum()):  # the common case needs none of this
        text = unicodedata.normalize("NFKC", text)
        text = "".join(c for c in text if not c.isspace() and c != "-")
    return text.upper()


def upgrade_15(number: str) -> str:
    """A legacy 15-digit number as 18 digits: the year gets its century (19), then the check."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and normalise a resident ID number; raise :class:`InvalidIdNumber` if bad."""
    number = normalise(raw)
    if len(number) == 15:
        if not (number.isascii() and number.isdigit()):
            raise InvalidIdNumber(_("A 15-digit ID number may contain digits only."))
        number = upgrade_15(number)
    if len(number) != 18:
        raise InvalidIdNumber(
            _("An ID number has 18 characters (or 15 for an old card); this one has %(n)d.")
            % {"n": len(number)}
        )
    if (
        not number.isascii()
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    if number[:2] not in PROVINCES:
        raise InvalidIdNumber(
            _("The ID number starts with %(code)s, which is no province.") % {"code": number[:2]}
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("The birth date in the ID number (%(date)s) does not exist.") % {"date": number[6:14]}
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(
            _("The birth date in the ID number (%(date)s) is impossible.")
            % {"date": birth.isoformat()}
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(
            _("The check character of the ID number is wrong: please re-check it.")
        )
    return ResidentId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def mask_id(number: str) -> str:
    """``220102********1234``: the address code and the last four characters stay visible.

    Other documents, shorter, keep one or two characters at each end (``E1*****78``); at
    least half of any number is hidden.
    """
    if len(number) > 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) < 4:
        return "*" * len(number)
    keep = len(number) // 4
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def mask_phone(phone: str) -> str:
    """``138****5678``; a landline with area code ``043*****6666``; shorter numbers keep only
    their last three digits."""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) >= 6:
        return "*" * (len(phone) - 3) + phone[-3:]
    return "*" * len(phone)
