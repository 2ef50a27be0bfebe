"""Resident ID numbers (GB 11643-1999) and the masking of numbers and phones.

Pure functions, no database. The valid numbers here are computed with ``check_character``
(ISO 7064 MOD 11-2), except the standard's own example 11010519491231002X.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from fangkong.people.idcard import (
    CHECK_CHARACTERS,
    PROVINCES,
    InvalidIdNumber,
    check_character,
    compose_resident_id,
    mask_id,
    mask_phone,
    parse_resident_id,
    upgrade_15,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests read the messages' English source text; the pages test the Chinese."""
    with translation.override("en"):
        yield


TODAY = dt.date(2020, 1, 29)  # the day of the notice
# 南关区 (220102), born 1985-03-07, sequence 123: odd, a man
ZHANG = "220102198503071237"
# 南关区, born 1990-12-31, sequence 124: even, a woman
LI = "220102199012311245"


def test_the_standards_own_example_is_valid() -> None:
    # GB 11643-1999 appendix: 北京市朝阳区, 1949-12-31, sequence 002, check character X
    rid = parse_resident_id("11010519491231002X", today=TODAY)
    assert (rid.number, rid.birth_date, rid.sex) == (
        "11010519491231002X",
        dt.date(1949, 12, 31),
        "F",
    )
    assert rid.province_code == "11"


def test_the_check_character_is_iso_7064_mod_11_2() -> None:
    # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check characters 1 0 X 9 8 7 6 5 4 3 2
    assert check_character("22010219850307123") == "7"
    assert check_character("11010519491231002") == "X"
    assert CHECK_CHARACTERS == "10X98765432"


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        (ZHANG, dt.date(1985, 3, 7), "M"),
        (LI, dt.date(1990, 12, 31), "F"),
        ("22010219850307004X", dt.date(1985, 3, 7), "F"),
        ("22010220000229001X", dt.date(2000, 2, 29), "M"),  # a leap day
    ],
)
def test_a_valid_jilin_number_gives_its_birth_date_and_sex(
    number: str, birth: dt.date, sex: str
) -> None:
    rid = parse_resident_id(number, today=TODAY)
    assert (rid.number, rid.birth_date, rid.sex) == (number, birth, sex)


@pytest.mark.parametrize(
    "typed",
    [
        "22010219850307004x",  # lower-case x
        " 220102 19850307 004X ",  # spaces between the groups
        "220102-19850307-004X",  # dashes
        "２２０１０２１９８５０３０７００４Ｘ",  # full-width, as a Chinese keyboard types it
    ],
)
def test_what_people_type_is_normalised(typed: str) -> None:
    assert parse_resident_id(typed, today=TODAY).number == "22010219850307004X"


def test_a_legacy_15_digit_number_becomes_18_digits() -> None:
    # given a first-generation card: 6-digit address, 2-digit year, no check character
    legacy = "220102850307123"
    # when it is read
    rid = parse_resident_id(legacy, today=TODAY)
    # then the year gets its century and the number its check character
    assert rid.number == ZHANG == upgrade_15(legacy)
    assert (rid.birth_date, rid.sex) == (dt.date(1985, 3, 7), "M")


def _message(raw: str, today: dt.date = TODAY) -> str:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_resident_id(raw, today=today)
    return str(caught.value)


def test_a_wrong_check_character_is_refused() -> None:
    assert "check character" in _message(ZHANG[:17] + "8")
    assert "check character" in _message(ZHANG[:17] + "X")


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("220102198502300010", "19850230"),  # 30 February
        ("220102198513010010", "19851301"),  # month 13
        ("220102198500010010", "19850001"),  # month 0
        ("220102199002290010", "19900229"),  # 1990 was not a leap year
    ],
)
def test_an_impossible_birth_date_is_refused_and_shown(number: str, shown: str) -> None:
    # the check character is right, so only the date can be blamed
    number = number[:17] + check_character(number[:17])
    message = _message(number)
    assert "does not exist" in message and shown in message


def test_a_birth_date_in_the_future_is_refused() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    number = compose_resident_id("220102", tomorrow, 11)
    message = _message(number)
    assert "impossible" in message and tomorrow.isoformat() in message
    # and the same number is fine once the day has come
    assert parse_resident_id(number, today=tomorrow).birth_date == tomorrow


def test_a_birth_date_before_1890_is_refused() -> None:
    assert "impossible" in _message(compose_resident_id("220102", dt.date(1889, 12, 31), 11))


@pytest.mark.parametrize(
    ("number", "length"),
    [("", 0), ("2201021985", 10), (ZHANG[:17], 17), (ZHANG + "1", 19), ("22010219850307", 14)],
)
def test_a_wrong_length_is_refused_with_the_length_found(number: str, length: int) -> None:
    message = _message(number)
    assert "18 characters" in message and str(length) in message


@pytest.mark.parametrize(
    "number",
    [
        "2201021985030712A7",  # a letter inside
        "X20102198503071237",  # X anywhere but the end
        "2201021985030712٣7",  # an Arabic-Indic digit: a digit to Python, not to us
        "22010219850307123๗",  # a Thai digit
    ],
)
def test_characters_other_than_digits_and_a_final_x_are_refused(number: str) -> None:
    assert "17 digits" in _message(number)


def test_a_15_digit_number_with_a_letter_is_refused() -> None:
    assert "digits only" in _message("22010285030712X")


@pytest.mark.parametrize("prefix", ["00", "10", "20", "39", "66", "80", "99"])
def test_an_unknown_province_prefix_is_refused(prefix: str) -> None:
    number = compose_resident_id(prefix + "0102", dt.date(1985, 3, 7), 123)
    message = _message(number)
    assert "province" in message and prefix in message


def test_every_province_of_gb_t_2260_is_known() -> None:
    assert len(PROVINCES) == 34  # 31 mainland, Taiwan, Hong Kong, Macao
    assert PROVINCES["22"] == "吉林省" and PROVINCES["42"] == "湖北省"


# --- property-based: every valid number parses; one changed digit is caught ---------------------

areas = st.sampled_from(sorted(PROVINCES)).flatmap(
    lambda p: st.integers(0, 9999).map(lambda n: f"{p}{n:04d}")
)
births = st.dates(min_value=dt.date(1890, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@given(area=areas, birth=births, sequence=sequences)
@example(area="110105", birth=dt.date(1949, 12, 31), sequence=2)
def test_every_generated_valid_number_parses_to_its_parts(
    area: str, birth: dt.date, sequence: int
) -> None:
    number = compose_resident_id(area, birth, sequence)
    rid = parse_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.birth_date == birth
    assert rid.sex == ("M" if sequence % 2 else "F")
    # and lower case or spaces do not change the reading
    assert parse_resident_id(" " + number.lower() + " ", today=TODAY) == rid


@given(
    area=areas,
    birth=births,
    sequence=sequences,
    position=st.integers(0, 17),
    replacement=st.sampled_from("0123456789X"),
)
def test_changing_any_one_character_is_caught(
    area: str, birth: dt.date, sequence: int, position: int, replacement: str
) -> None:
    # MOD 11-2 detects every single substitution: the weights are all non-zero modulo 11
    number = compose_resident_id(area, birth, sequence)
    if number[position] == replacement:
        replacement = "X" if replacement != "X" else "0"
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_resident_id(changed, today=TODAY)


@given(st.text(max_size=40))
def test_any_text_is_either_a_valid_number_or_refused_with_a_reason(text: str) -> None:
    try:
        rid = parse_resident_id(text, today=TODAY)
    except InvalidIdNumber as exc:
        assert str(exc)
    else:
        assert len(rid.number) == 18 and check_character(rid.number[:17]) == rid.number[17]


# --- masking -----------------------------------------------------------------------------------


def test_an_id_number_is_masked_to_its_address_code_and_last_four() -> None:
    assert mask_id("220102198503071234") == "220102********1234"
    assert mask_id(ZHANG) == "220102********1237"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("E12345678", "E1*****78"),  # a passport
        ("H12345678", "H1*****78"),  # a Hong Kong/Macao permit
        ("12345678", "12****78"),
        ("ABCDE", "A***E"),
        ("ABCD", "A**D"),
        ("ABC", "***"),
        ("", ""),
    ],
)
def test_other_documents_hide_at_least_half_of_the_number(number: str, masked: str) -> None:
    assert mask_id(number) == masked
    assert masked.count("*") >= len(number) / 2


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("043188886666", "043*****6666"),  # a landline with its area code
        ("0431888", "****888"),
        ("", ""),
    ],
)
def test_a_phone_is_masked(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
