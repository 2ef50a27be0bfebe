"""Importing a screening list (排查名单) from an xlsx or CSV file with the template's columns.

Three phases, separable so the benchmark can time each:

1. :func:`fangkong.bulk.readers.read_table` reads the file safely;
2. :func:`validate_rows` checks every row with the validators and rules of the form (all the
   errors of a row, by column; row numbers as Excel shows them, the header being row 1) and
   returns the valid rows as tuples in the column order of :data:`SCREENING_COLUMNS`. It runs
   the database checks in batches around the row checks (:func:`check_rows`: each row on its
   own, no query): first the grids and their counties' key areas, then the rows imported before
   and the people known already (:func:`_against_database`);
3. :func:`write_rows` writes them in one transaction: people resolved in bulk (new ones created
   with what :func:`fangkong.people.actions.register_person` sets), screenings written with
   PostgreSQL ``COPY`` (:func:`copy_screenings`; ``bulk_create`` elsewhere), the follow-up of
   the few rows needing observation or referral, and one audit row for the file.

Each row's key is ``uuid5(NAMESPACE, "doc_type|doc_number|screening date|grid code")``, stored
as ``Screening.client_uuid``: a row whose key exists is "already imported" and skipped, so a file
imported twice creates nothing new, and a fixed rejects file adds only the rows fixed.
Without ``valid_only``, any row error means nothing is written.

Only the screening list's own columns, checks and writes are here; the machinery every kind of
import shares (the job's run, its outcome and audit, the rejects file, COPY) is
:mod:`fangkong.bulk.rows`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.bulk import rows as bulk_rows
from fangkong.bulk.models import ImportJob
from fangkong.bulk.readers import Table, cell_text, read_table
from fangkong.bulk.rows import (
    CHUNK,
    DOC_TYPE_VALUES,
    DOC_TYPES,
    ESCAPES,
    PROGRESS_EVERY,
    REASON,
    CellChecks,
    FileImport,
    RowError,
    cached_check,
    chunks,
    columns_of,
    copy_rows,
    id_typed_as_number,
    nullable,
    rows_in,
    same_name,
    template_rows_for,
    text_of,
    text_reader,
    unknown_doc_type,
)
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope, path_in_scope, scope_of
from fangkong.core.validators import clean_phone
from fangkong.people.actions import clean_identity, clean_name, register_person
from fangkong.people.choices import DocType, PersonStatus, Sex, Symptom
from fangkong.people.health import clean_symptoms, clean_temperature
from fangkong.people.idcard import InvalidIdNumber, parse_resident_id
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.screening.actions import (
    clean_screening,
    clean_text,
    follow_up_screening,
    key_areas_for,
)
from fangkong.screening.choices import Contact, Outcome, Transport
from fangkong.screening.models import Screening
from fangkong.screening.rules import Assessment, assess
from fangkong.screening.validators import clean_past_date, clean_place_code

if TYPE_CHECKING:
    from fangkong.accounts.models import User

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-5e8f-9a41-2c0d7e9b1f30")  # keys of imported rows
BACKGROUND_ROWS = 2000  # larger files run as a background task
IMPORT_KIND = "screenings"  # the name screening/imports.py registers this import under

# --- the template's columns: Chinese names are data (the users' own spreadsheets) -------------

NAME = "姓名"  # full name
DOC_TYPE = "证件类型"  # document type
DOC_NUMBER = "证件号码"  # document number
SEX = "性别"  # sex
BIRTH_DATE = "出生日期"  # birth date
PHONE = "联系电话"  # phone
ADDRESS = "现住址"  # current address
GRID = "网格编码"  # grid code
SCREENED_ON = "排查日期"  # screening date
TEMPERATURE = "体温"  # temperature
SYMPTOMS = "症状"  # symptoms
ORIGIN_CODE = "来源地编码"  # origin division code
ORIGIN_NAME = "来源地"  # origin
ARRIVAL_DATE = "抵达日期"  # arrival date
TRANSPORT = "交通方式"  # means of transport
TRANSPORT_NUMBER = "车次航班"  # train or flight number
CONTACT = "接触史"  # contact history
CONTACT_DATE = "最后接触日期"  # date of the last contact
HOUSEHOLD_SIZE = "同住人数"  # household members
MEASURES = "采取措施"  # measures taken

COLUMNS = [
    NAME, DOC_TYPE, DOC_NUMBER, SEX, BIRTH_DATE, PHONE, ADDRESS, GRID, SCREENED_ON, TEMPERATURE,
    SYMPTOMS, ORIGIN_CODE, ORIGIN_NAME, ARRIVAL_DATE, TRANSPORT, TRANSPORT_NUMBER, CONTACT,
    CONTACT_DATE, HOUSEHOLD_SIZE, MEASURES,
]  # fmt: skip
REQUIRED = [NAME, DOC_NUMBER, PHONE, ADDRESS, GRID, SCREENED_ON, TEMPERATURE]

# Choices as written in the file: their Chinese labels (the codes are accepted too; the
# document types are every importer's: bulk/rows.py).
SEXES = {"男": Sex.MALE, "女": Sex.FEMALE, "未知": Sex.UNKNOWN}
SYMPTOM_LABELS = {
    "发热": Symptom.FEVER,
    "干咳": Symptom.DRY_COUGH,
    "乏力": Symptom.FATIGUE,
    "咽痛": Symptom.SORE_THROAT,
    "气促": Symptom.SHORT_BREATH,
    "腹泻": Symptom.DIARRHOEA,
    "肌肉酸痛": Symptom.MUSCLE_ACHE,
    "嗅觉味觉减退": Symptom.TASTE_SMELL,
    "鼻塞": Symptom.NASAL_CONGESTION,
    "结膜炎": Symptom.CONJUNCTIVITIS,
}
NO_SYMPTOMS = {"无", "没有", "否"}
TRANSPORTS = {
    "火车": Transport.TRAIN,
    "飞机": Transport.FLIGHT,
    "长途客车": Transport.COACH,
    "自驾": Transport.CAR,
    "其他": Transport.OTHER,
}
CONTACTS = {
    "无": Contact.NONE,
    "确诊病例": Contact.CONFIRMED,
    "疑似病例": Contact.SUSPECTED,
    "重点地区人员": Contact.KEY_AREA,
    "发热病人": Contact.FEVER,
}
TRANSPORT_VALUES = frozenset(Transport.values)
CONTACT_VALUES = frozenset(Contact.values)
NO_CONTACT = str(Contact.NONE)
SEPARATORS = re.compile(r"[、,，;；/\s]+")

# What each column holds, for the template's second sheet and docs/bulk.md.
COLUMN_HELP = {
    NAME: "必填。",
    DOC_TYPE: "居民身份证（默认）、护照、港澳通行证、台湾居民来往大陆通行证、其他证件。",
    DOC_NUMBER: "必填。身份证号码18位（旧15位可），请将此列设为文本格式，否则Excel会丢失末位。",
    SEX: "男、女或未知；可空（身份证号码已含性别，不得矛盾）。",
    BIRTH_DATE: "如 1980-05-01；可空（身份证号码已含出生日期，不得矛盾）。",
    PHONE: "必填。11位手机号或带区号的固定电话。",
    ADDRESS: "必填。",
    GRID: "必填。网格编码，须为本辖区内在用的网格。",
    SCREENED_ON: "必填。如 2020-02-10，不得晚于今天。",
    TEMPERATURE: "必填。35.0–42.0 ℃，37.3 ℃及以上为发热。",
    SYMPTOMS: "可空或“无”；多个以“、”分隔：" + "、".join(SYMPTOM_LABELS) + "。",
    ORIGIN_CODE: "从外地来的：来源地区划代码（如 42 湖北省、4201 武汉市）。",
    ORIGIN_NAME: "从外地来的：来源地名称（有编码可空）。",
    ARRIVAL_DATE: "从外地来的：抵达日期，不得晚于排查日期。",
    TRANSPORT: "、".join(TRANSPORTS) + "。",
    TRANSPORT_NUMBER: "如 G1234、CZ6101。",
    CONTACT: "、".join(CONTACTS) + "（空即无）。",
    CONTACT_DATE: "有接触史时必填。",
    HOUSEHOLD_SIZE: "1–50，默认1。",
    MEASURES: "可空，200字以内。",
}

FIELD_COLUMNS = {  # ActionError.field → column
    "name": NAME,
    "doc_type": DOC_TYPE,
    "doc_number": DOC_NUMBER,
    "sex": SEX,
    "birth_date": BIRTH_DATE,
    "phone": PHONE,
    "address": ADDRESS,
    "grid": GRID,
    "screened_on": SCREENED_ON,
    "temperature": TEMPERATURE,
    "symptoms": SYMPTOMS,
    "origin_code": ORIGIN_CODE,
    "origin_name": ORIGIN_NAME,
    "arrival_date": ARRIVAL_DATE,
    "transport": TRANSPORT,
    "transport_number": TRANSPORT_NUMBER,
    "contact": CONTACT,
    "contact_date": CONTACT_DATE,
    "household_size": HOUSEHOLD_SIZE,
    "measures": MEASURES,
}

# The columns COPY writes, in order (``person_id`` is filled in by :func:`resolve_people`).
SCREENING_COLUMNS = [
    "person_id", "grid_id", "division_path", "screened_on", "phone", "address", "arrival_date",
    "origin_code", "origin_name", "travel", "transport", "transport_number", "contact",
    "contact_date", "temperature", "symptoms", "measures", "household_size", "outcome",
    "reasons", "last_exposure", "client_uuid", "created_by_id", "created_at",
]  # fmt: skip
PERSON, GRID_ID, PATH, DAY = 0, 1, 2, 3
JSON_FIELDS = ("travel", "symptoms", "reasons")
KEY = SCREENING_COLUMNS.index("client_uuid")
OUTCOME = SCREENING_COLUMNS.index("outcome")


# --- results -----------------------------------------------------------------------------------


@dataclass
class NewPerson:
    """What :func:`register_person` would store for a person first seen in the file."""

    name: str
    doc_type: str
    doc_number: str
    sex: str
    birth_date: dt.date | None
    phone: str
    address: str
    grid_id: int
    division_path: str
    row: int
    pk: int | None = None


@dataclass
class Validated(bulk_rows.Validated):
    """The outcome of :func:`validate_rows`: the rows in SCREENING_COLUMNS order and, beside
    each, its person's identity; the follow-ups to set in motion and the people to create."""

    identities: list[tuple[str, str]] = field(default_factory=list)  # per row
    assessments: dict[str, Assessment] = field(default_factory=dict)  # follow-ups only
    people: dict[tuple[str, str], NewPerson] = field(default_factory=dict)


@dataclass
class ImportOutcome(bulk_rows.ImportOutcome):
    people_created: int = 0


# --- phase 2: validation -----------------------------------------------------------------------


def row_key(doc_type: str, doc_number: str, day: dt.date, grid_code: str) -> str:
    """The import key of a row: ``str(uuid.uuid5(NAMESPACE, "type|number|day|grid"))``,
    computed without the UUID object's overhead."""
    name = f"{doc_type}|{doc_number}|{day.isoformat()}|{grid_code}".encode()
    h = hashlib.sha1(NAMESPACE.bytes + name, usedforsecurity=False).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


class _Checks(CellChecks):
    """The per-file state of validation: today, the grids, and caches of the checks of values
    that repeat from row to row (dates, temperatures, choices, the rules' outcome)."""

    def __init__(self, actor: User | None, grids: dict[str, Division], today: dt.date):
        super().__init__(today)
        self.actor = actor
        self.grids = grids
        self.past: dict[tuple[dt.date, dt.date | None, str], dt.date | str] = {}
        self.temperatures: dict[Any, Decimal | str] = {}
        self.symptoms: dict[str, list[str] | str] = {}
        # the code, or (message,) when it is wrong
        self.place_code = cached_check(_origin_code)
        self.facts: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.areas: dict[str, list[Any]] = {}
        self.outcomes: dict[tuple[Any, ...], tuple[Assessment, str, str]] = {}

    def past_date(
        self, day: dt.date, *, field: str, label: str, not_after: dt.date | None = None
    ) -> dt.date | str:
        key = (day, not_after, field)
        try:
            return self.past[key]
        except KeyError:
            pass
        try:
            checked: dt.date | str = clean_past_date(
                day, field=field, label=label, required=True, not_after=not_after
            )  # type: ignore[assignment]
        except ActionError as exc:
            checked = exc.message
        self.past[key] = checked
        return checked

    def temperature(self, value: Any) -> Decimal | str:
        try:
            return self.temperatures[value]
        except KeyError:
            pass
        try:
            result: Decimal | str = clean_temperature(
                value if isinstance(value, float | int) else text_of(value)
            )
        except ActionError as exc:
            result = exc.message
        self.temperatures[value] = result
        return result

    def symptom_list(self, text: str) -> list[str] | str:
        try:
            return self.symptoms[text]
        except KeyError:
            pass
        result: list[str] | str
        given = [s for s in SEPARATORS.split(text) if s and s not in NO_SYMPTOMS]
        codes = [SYMPTOM_LABELS.get(s, s) for s in given]
        try:
            result = clean_symptoms(codes)
        except ActionError:
            unknown = [s for s in given if SYMPTOM_LABELS.get(s, s) not in Symptom.values]
            result = _("Unknown symptom: %(value)s.") % {"value": "、".join(unknown)}
        self.symptoms[text] = result
        return result

    def load_key_areas(self) -> None:
        """Read the key areas of the grids' counties now (one query each), so that the row
        checks need no database."""
        for grid in self.grids.values():
            self.key_areas(grid.path)

    def key_areas(self, path: str) -> list[Any]:
        # Key areas are declared by command offices (province, city, county: COMMAND_LEVELS),
        # so every grid of a county has the county's.
        try:
            return self.areas[path]
        except KeyError:
            pass
        county = "/".join(path.split("/")[:3]) + "/"
        if county not in self.areas:
            self.areas[county] = key_areas_for(path)
        areas = self.areas[path] = self.areas[county]
        return areas

    def clean_facts(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        """clean_screening for the facts of a row (cached: most rows share their facts).
        Returns (CleanFacts, symptoms as JSON) or (None, field, message)."""
        try:
            return self.facts[key]
        except KeyError:
            pass
        (day, temperature, symptoms, arrival, origin_code, origin_name, transport, number) = key[:8]
        contact, contact_date, size, measures = key[8:]
        try:
            clean = clean_screening(
                temperature=temperature,
                screened_on=day,
                symptoms=symptoms,
                phone="13800000000",  # checked per row; the facts are what is cached
                address="-",
                arrival_date=arrival,
                origin_code=origin_code,
                origin_name=origin_name,
                transport=transport,
                transport_number=number,
                contact=contact,
                contact_date=contact_date,
                household_size=size,
                measures=measures,
            )
            symptoms_json = json.dumps(list(clean.facts.symptoms)) if clean.facts.symptoms else "[]"
            result: tuple[Any, ...] = (clean, symptoms_json)
        except ActionError as exc:
            result = (None, exc.field or "", exc.message)
        self.facts[key] = result
        return result

    def outcome(self, path: str, facts_key: tuple[Any, ...], clean: Any) -> tuple[Any, ...]:
        """(assessment, outcome, reasons as JSON), by the rules, for the grid's key areas."""
        areas = self.key_areas(path)
        key = (id(areas), facts_key)
        try:
            return self.outcomes[key]
        except KeyError:
            pass
        assessment = assess(clean.facts, areas)
        result = (
            assessment,
            str(assessment.outcome),
            json.dumps([r.as_dict() for r in assessment.reasons], ensure_ascii=False),
        )
        self.outcomes[key] = result
        return result


def _origin_code(text: str) -> str:
    return clean_place_code(text, field="origin_code")


def _find_grids(actor: User | None, codes: set[str]) -> dict[str, Division]:
    """The active grids with these codes inside the actor's jurisdiction."""
    found: dict[str, Division] = {}
    codes = {c for c in codes if c.isdigit() and len(c) <= 15}
    listed = sorted(codes)
    for i in range(0, len(listed), CHUNK):
        for grid in Division.objects.filter(
            code__in=listed[i : i + CHUNK], level=Level.GRID, active=True
        ).only("id", "code", "path"):
            if actor is None or path_in_scope(actor, grid.path):
                found[grid.code] = grid
    return found


def validate_rows(
    table: Table,
    *,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> Validated:
    """Check every row of ``table``: the database checks (batched look-ups) before and after the
    row checks (:func:`check_rows`, no query). Reads, never writes."""
    index, ignored = columns_of(table.header, COLUMNS, REQUIRED)
    result = Validated(
        header=table.header, kind=table.kind, total=len(table.rows), ignored_columns=ignored
    )
    rows = table.rows

    # 1. database: the grids named in the file, and their counties' key areas (batched)
    grid_at = index[GRID]
    codes = {text_of(cells[grid_at]) for _n, cells in rows if grid_at < len(cells)}
    checks = _Checks(actor, _find_grids(actor, codes), timezone.localdate())
    checks.load_key_areas()

    # 2. each row on its own, against the file and the rules (no database)
    out_rows, identities, keys, row_numbers, raws, errors_of, cells_of = check_rows(
        table, index, checks, result, progress=progress
    )

    # 3. database: rows imported before, and people known already (batched)
    _against_database(
        result, out_rows, identities, keys, row_numbers, raws, errors_of, cells_of, actor
    )
    result.reject(errors_of, cells_of)
    return result


def check_rows(
    table: Table,
    index: dict[str, int],
    checks: _Checks,
    result: Validated,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[
    list[list[Any]],
    list[tuple[str, str]],
    list[str],
    list[int],
    list[Sequence[Any]],
    dict[int, list[RowError]],
    dict[int, Sequence[Any]],
]:
    """The row checks: each row on its own, against the file, the grids found and the rules,
    without the database (``checks`` holds what was read before). Returns the valid rows
    (SCREENING_COLUMNS order, ``person`` still None) with their identities, import keys, row
    numbers and cells, and the errors and cells of the rows refused. The people first seen and
    the follow-up assessments go into ``result``."""
    header = table.header
    rows = table.rows
    width = len(header)
    at = [index.get(c, width) for c in COLUMNS]  # an absent column reads the padding cell
    actor = checks.actor
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    seen_keys: dict[str, int] = {}
    seen_people: dict[tuple[str, str], tuple[int, str]] = {}
    out_rows, identities, keys, row_numbers = [], [], [], []
    raws: list[Sequence[Any]] = []
    errors_of: dict[int, list[RowError]] = {}
    cells_of: dict[int, Sequence[Any]] = {}
    pad = [""] * (width + 1)
    (
        i_name, i_doc_type, i_doc_number, i_sex, i_birth, i_phone, i_address, i_grid, i_day,
        i_temp, i_symptoms, i_origin_code, i_origin_name, i_arrival, i_transport, i_number,
        i_contact, i_contact_date, i_size, i_measures,
    ) = at  # fmt: skip
    resident = str(DocType.RESIDENT_ID)
    text = text_reader(table.kind)
    grids = checks.grids
    today = checks.today
    label_day, label_arrival, label_contact = (
        _("screening date"),
        _("arrival date"),
        _("date of the last contact"),
    )
    empty_json = "[]"

    for done, (number, raw) in enumerate(rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        cells = list(raw) + pad if len(raw) <= width else raw
        problems: list[tuple[str, str]] = []

        # who
        try:
            name = clean_name(text(cells[i_name]))
        except ActionError as exc:
            problems.append((NAME, exc.message))
            name = ""
        doc_type_text = text(cells[i_doc_type])
        doc_type = DOC_TYPES.get(doc_type_text, doc_type_text) if doc_type_text else resident
        raw_number = cells[i_doc_number]
        sex_text = text(cells[i_sex])
        birth_cell = cells[i_birth]
        doc_number, sex, birth = "", "", None
        if doc_type not in DOC_TYPE_VALUES:
            problems.append((DOC_TYPE, unknown_doc_type(doc_type_text)))
        elif isinstance(raw_number, float) and doc_type == resident:
            problems.append((DOC_NUMBER, id_typed_as_number()))
        elif not sex_text and (birth_cell is None or birth_cell == "") and doc_type == resident:
            try:
                rid = parse_resident_id(text(raw_number), today=today)
                doc_number, sex, birth = rid.number, rid.sex, rid.birth_date
            except InvalidIdNumber as exc:
                problems.append((DOC_NUMBER, str(exc)))
        else:
            sex_code = SEXES.get(sex_text, sex_text)
            birth_value = checks.date(birth_cell)
            if isinstance(birth_value, str):
                problems.append((BIRTH_DATE, birth_value))
                birth_value = None
            try:
                identity = clean_identity(
                    doc_type, cell_text(raw_number), sex_code or None, birth_value, today=today
                )
                doc_number, sex, birth = identity.doc_number, identity.sex, identity.birth_date
            except ActionError as exc:
                problems.append((FIELD_COLUMNS.get(exc.field or "", DOC_NUMBER), exc.message))
        try:
            phone = clean_phone(text(cells[i_phone]))
        except ActionError as exc:
            problems.append((PHONE, exc.message))
            phone = ""
        try:
            address = clean_text(
                text(cells[i_address]), field="address", max_length=200, required=True
            )
        except ActionError as exc:
            problems.append((ADDRESS, exc.message))
            address = ""
        grid_code = text(cells[i_grid])
        grid = grids.get(grid_code)
        if grid is None:
            problems.append(
                (
                    GRID,
                    _("No active grid with code “%(code)s” in your jurisdiction.")
                    % {"code": grid_code[:20]}
                    if grid_code
                    else _("Enter the grid code."),
                )
            )

        # the facts
        day = checks.date(cells[i_day])
        if day is None:
            problems.append((SCREENED_ON, _("Enter the %(label)s.") % {"label": label_day}))
        elif isinstance(day, str):
            problems.append((SCREENED_ON, day))
            day = None
        else:
            day = checks.past_date(day, field="screened_on", label=label_day)
            if isinstance(day, str):
                problems.append((SCREENED_ON, day))
                day = None
        temperature = checks.temperature(cells[i_temp])
        if temperature.__class__ is str:
            problems.append((TEMPERATURE, temperature))  # type: ignore[arg-type]
        symptoms_text = text(cells[i_symptoms])
        symptoms: list[str] | str = checks.symptom_list(symptoms_text) if symptoms_text else []
        if isinstance(symptoms, str):
            problems.append((SYMPTOMS, symptoms))
        origin_code = text(cells[i_origin_code])
        if origin_code:
            checked_code = checks.place_code(origin_code)
            if isinstance(checked_code, tuple):
                problems.append((ORIGIN_CODE, checked_code[0]))
            else:
                origin_code = checked_code
        arrival = checks.date(cells[i_arrival])
        if isinstance(arrival, str):
            problems.append((ARRIVAL_DATE, arrival))
        elif arrival is not None:
            checked = checks.past_date(
                arrival, field="arrival_date", label=label_arrival, not_after=day or today
            )
            if isinstance(checked, str):
                problems.append((ARRIVAL_DATE, checked))
        transport_text = text(cells[i_transport])
        transport = TRANSPORTS.get(transport_text, transport_text)
        if transport and transport not in TRANSPORT_VALUES:
            problems.append((TRANSPORT, _("Choose a means of transport.")))
        contact_text = text(cells[i_contact])
        contact = CONTACTS.get(contact_text, contact_text) if contact_text else NO_CONTACT
        if contact not in CONTACT_VALUES:
            problems.append((CONTACT, _("Choose a contact history.")))
        contact_date = checks.date(cells[i_contact_date])
        if isinstance(contact_date, str):
            problems.append((CONTACT_DATE, contact_date))
        elif contact_date is not None:
            checked = checks.past_date(
                contact_date, field="contact_date", label=label_contact, not_after=day or today
            )
            if isinstance(checked, str):
                problems.append((CONTACT_DATE, checked))
        size_cell = cells[i_size]
        size: Any = 1
        if size_cell is not None and size_cell != "":
            try:
                size = (
                    int(float(size_cell))
                    if isinstance(size_cell, float)
                    else int(text_of(size_cell))
                )
            except ValueError:
                problems.append((HOUSEHOLD_SIZE, _("Enter a number of people, such as 3.")))

        key = None
        if not problems:
            facts_key = (
                day,
                temperature,
                tuple(symptoms),
                arrival,
                origin_code,
                text(cells[i_origin_name]),
                transport,
                text(cells[i_number]),
                contact,
                contact_date,
                size,
                text(cells[i_measures]),
            )
            facts = checks.clean_facts(facts_key)
            clean = facts[0]
            if clean is None:
                problems.append((FIELD_COLUMNS.get(facts[1], TEMPERATURE), facts[2]))
            else:
                assert grid is not None and isinstance(day, dt.date)
                key = row_key(doc_type, doc_number, day, grid_code)
                first = seen_keys.setdefault(key, number)
                identity_key = (doc_type, doc_number)
                known = seen_people.setdefault(identity_key, (number, name))
                if first != number:
                    problems.append(
                        (
                            DOC_NUMBER,
                            _(
                                "Row %(row)s already has this person, screened the same day "
                                "in the same grid."
                            )
                            % {"row": first},
                        )
                    )
                elif known[0] != number and known[1] != name:
                    problems.append(
                        (
                            DOC_NUMBER,
                            _("Row %(row)s has this document number under another name.")
                            % {"row": known[0]},
                        )
                    )
                else:
                    assessment, outcome, reasons = checks.outcome(grid.path, facts_key, clean)
                    if outcome != Outcome.NO_RISK:
                        result.assessments[key] = assessment
                    arrived = clean.facts.arrival
                    out_rows.append(
                        [
                            None,
                            grid.pk,
                            grid.path,
                            day,
                            phone,
                            address,
                            arrived.date if arrived else None,
                            clean.origin_code,
                            clean.origin_name,
                            empty_json,
                            clean.transport,
                            clean.transport_number,
                            contact,
                            clean.facts.contact_date,
                            clean.temperature,
                            facts[1],
                            clean.measures,
                            clean.household_size,
                            outcome,
                            reasons,
                            assessment.last_exposure,
                            key,
                            actor_id,
                            now,
                        ]
                    )
                    identities.append(identity_key)
                    raws.append(raw)
                    keys.append(key)
                    row_numbers.append(number)
                    if identity_key not in result.people:
                        result.people[identity_key] = NewPerson(
                            name, doc_type, doc_number, sex, birth, phone, address,
                            grid.pk, grid.path, number,
                        )  # fmt: skip
                    continue
        errors_of[number] = [RowError(number, c, m) for c, m in problems]
        cells_of[number] = raw

    if progress is not None:
        progress(len(rows), len(rows))
    return out_rows, identities, keys, row_numbers, raws, errors_of, cells_of


def _against_database(
    result: Validated,
    rows: list[list[Any]],
    identities: list[tuple[str, str]],
    keys: list[str],
    numbers: list[int],
    raws: list[Sequence[Any]],
    errors_of: dict[int, list[RowError]],
    cells_of: dict[int, Sequence[Any]],
    actor: User | None = None,
) -> None:
    """Rows already imported (skipped), and known people: their name must agree. Only people
    the actor can see are "known": one known only in another jurisdiction is registered anew
    (``resolve_people``), so the answer never tells whether a number exists elsewhere."""
    stored: set[str] = set()
    for chunk in chunks(keys):
        stored.update(_stored_keys(chunk))
    by_type: dict[str, list[str]] = {}
    for doc_type, doc_number in result.people:
        by_type.setdefault(doc_type, []).append(doc_number)
    known: dict[tuple[str, str], tuple[int, str]] = {}
    elsewhere: set[tuple[str, str]] = set()
    for doc_type, numbers_ in by_type.items():
        for chunk in chunks(numbers_):
            for pk, doc_number, name, path in _known_people(doc_type, chunk):
                known[(doc_type, doc_number)] = (pk, name)
                if actor is not None and not path_in_scope(actor, path):
                    elsewhere.add((doc_type, doc_number))
    mismatch = _(
        "This document number is already registered under another name. Check the number "
        "and the name."
    )
    kept_rows, kept_ids = [], []
    for row, identity, key, number, raw in zip(rows, identities, keys, numbers, raws, strict=True):
        if key in stored:
            result.existing += 1
            result.assessments.pop(key, None)
            continue
        person = known.get(identity)
        if (
            person is not None
            and identity not in elsewhere
            and not same_name(person[1], result.people[identity].name)
        ):
            errors_of[number] = [RowError(number, DOC_NUMBER, mismatch)]
            cells_of[number] = raw
            continue
        kept_rows.append(row)
        kept_ids.append(identity)
    result.rows, result.identities = kept_rows, kept_ids
    needed = set(kept_ids)
    for identity in list(result.people):
        if identity not in needed:
            del result.people[identity]
        elif identity in known:
            result.people[identity].pk = known[identity][0]


def _stored_keys(keys: list[str]) -> list[str]:
    """Which of these keys are stored already (one array parameter on PostgreSQL: a long
    IN list costs more to build than to run)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT client_uuid::text FROM {Screening._meta.db_table} "  # noqa: S608 - a model's own table name
                "WHERE client_uuid = ANY(%s::uuid[])",
                [keys],
            )
            return [r[0] for r in cursor.fetchall()]
    found = Screening.objects.filter(client_uuid__in=keys).values_list("client_uuid", flat=True)
    return [str(k) for k in found]


def _known_people(doc_type: str, numbers: list[str]) -> list[tuple[int, str, str, str]]:
    """The current records of these numbers: id, number, name, division path."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, doc_number, name, division_path FROM {Person._meta.db_table} "  # noqa: S608 - a model's own table name
                "WHERE doc_type = %s AND doc_number = ANY(%s) AND moved_out_at IS NULL",
                [doc_type, numbers],
            )
            return list(cursor.fetchall())
    return list(
        Person.objects.filter(
            doc_type=doc_type, doc_number__in=numbers, moved_out_at__isnull=True
        ).values_list("id", "doc_number", "name", "division_path")
    )


def _paths_of(ids: list[Any]) -> list[tuple[int, str]]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, division_path FROM {Person._meta.db_table} "  # noqa: S608 - a model's own table name
                "WHERE id = ANY(%s)",
                [ids],
            )
            return list(cursor.fetchall())
    return list(Person.objects.filter(pk__in=ids).values_list("id", "division_path"))


# --- phase 3: writing --------------------------------------------------------------------------

PERSON_COLUMNS = [
    "id", "name", "doc_type", "doc_number", "sex", "birth_date", "phone", "address", "grid_id",
    "division_path", "status", "created_at", "updated_at",
]  # fmt: skip


def _screening_line(row: Sequence[Any], esc: Any = ESCAPES) -> str:
    """A validated row as a line of COPY text: columns holding people's text are escaped;
    the others hold digits, codes, dates, numbers and JSON of codes only."""
    n = nullable
    return (
        f"{row[0]}\t{row[1]}\t{row[2]}\t{row[3]}\t{row[4]}\t{row[5].translate(esc)}\t"
        f"{n(row[6])}\t{row[7]}\t{row[8].translate(esc)}\t{row[9]}\t{row[10]}\t{row[11]}\t"
        f"{row[12]}\t{n(row[13])}\t{row[14]}\t{row[15]}\t{row[16].translate(esc)}\t"
        f"{row[17]}\t{row[18]}\t{row[19].translate(esc)}\t{n(row[20])}\t{row[21]}\t"
        f"{n(row[22])}\t{row[23].isoformat()}\n"
    )


def _next_ids(table: str, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [r[0] for r in cursor.fetchall()]


def create_people(people: Sequence[NewPerson]) -> None:
    """Insert people first seen in the file (what register_person stores; no household, as
    an import lists screenings, not households). Sets each one's ``pk``."""
    if not people:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        table = Person._meta.db_table
        ids = _next_ids(table, len(people))
        stamp = now.isoformat()
        esc, n = ESCAPES, nullable
        rows = []
        for pk, p in zip(ids, people, strict=True):
            p.pk = pk
            rows.append(
                f"{pk}\t{p.name.translate(esc)}\t{p.doc_type}\t{p.doc_number}\t{p.sex}\t"
                f"{n(p.birth_date)}\t{p.phone}\t{p.address.translate(esc)}\t{p.grid_id}\t"
                f"{p.division_path}\t{PersonStatus.NORMAL.value}\t{stamp}\t{stamp}\n"
            )
        copy_rows(table, PERSON_COLUMNS, rows, str)
        return
    objects = [
        Person(
            name=p.name,
            doc_type=p.doc_type,
            doc_number=p.doc_number,
            sex=p.sex,
            birth_date=p.birth_date,
            phone=p.phone,
            address=p.address,
            grid_id=p.grid_id,
            division_path=p.division_path,
        )
        for p in people
    ]
    Person.objects.bulk_create(objects, batch_size=500)
    for p, obj in zip(people, objects, strict=True):
        p.pk = obj.pk


def copy_screenings(rows: Sequence[Sequence[Any]]) -> None:
    """Write validated rows (SCREENING_COLUMNS order, person_id set): COPY on PostgreSQL,
    bulk_create in batches elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(Screening._meta.db_table, SCREENING_COLUMNS, rows, _screening_line)
        return
    json_at = [SCREENING_COLUMNS.index(f) for f in JSON_FIELDS]
    objects = []
    for row in rows:
        values = dict(zip(SCREENING_COLUMNS, row, strict=True))
        for i in json_at:
            values[SCREENING_COLUMNS[i]] = json.loads(row[i])
        objects.append(Screening(**values))
    Screening.objects.bulk_create(objects, batch_size=500)


def resolve_people(validated: Validated, *, actor: User | None) -> int:
    """Create the people first seen, register anew here the people known only outside the
    actor's jurisdiction (as register_person does), and set each row's ``person_id``. Returns
    how many people were created here (the ones known elsewhere count as created: the outcome
    must not tell whether a number exists elsewhere)."""
    people = validated.people
    known = [p for p in people.values() if p.pk is not None]
    relocated = 0
    paths: dict[int, str] = {}
    ids = [p.pk for p in known]
    if actor is not None and scope_of(actor) != "":  # a superuser's scope holds everyone
        for i in range(0, len(ids), CHUNK):
            paths.update(_paths_of(ids[i : i + CHUNK]))
    for p in known:
        if (
            actor is not None
            and scope_of(actor) != ""
            and not path_in_scope(actor, paths.get(p.pk or 0, ""))
        ):
            # Known only in another jurisdiction: registered here anew (their old record stays
            # there as history, marked moved out), audited on both sides.
            here, _created = register_person(
                actor=actor,
                grid=Division.objects.get(pk=p.grid_id),
                name=p.name,
                doc_type=p.doc_type,
                doc_number=p.doc_number,
                sex=p.sex,
                birth_date=p.birth_date,
                phone=p.phone,
                address=p.address,
            )
            p.pk = here.pk
            relocated += 1
    new = [p for p in people.values() if p.pk is None]
    create_people(new)
    for row, identity in zip(validated.rows, validated.identities, strict=True):
        row[PERSON] = people[identity].pk
    return len(new) + relocated


def _check_grids(validated: Validated, actor: User | None) -> None:
    """Inside the transaction: every grid written to is still active and the actor's."""
    ids = {row[GRID_ID] for row in validated.rows}
    grids = list(Division.objects.filter(pk__in=ids, level=Level.GRID, active=True))
    if len(grids) != len(ids):
        raise ActionError(
            _("A grid of the file was retired meanwhile; import the file again."),
            code="grid_retired",
        )
    for grid in grids:
        ensure_in_scope(actor, grid.path)


def write_rows(validated: Validated, *, actor: User | None) -> int:
    """Write the valid rows and what their outcomes set in motion, in the caller's transaction.
    Returns how many people were created."""
    _check_grids(validated, actor)
    created_people = resolve_people(validated, actor=actor)
    copy_screenings(validated.rows)
    follow = list(validated.assessments)
    for i in range(0, len(follow), CHUNK):
        chunk = follow[i : i + CHUNK]
        for screening in Screening.objects.filter(client_uuid__in=chunk).select_related(
            "person", "grid"
        ):
            assessment = validated.assessments[str(screening.client_uuid)]
            follow_up_screening(actor=actor, screening=screening, assessment=assessment)
    return created_people


# --- the whole: a job ---------------------------------------------------------------------------


def _audit(actor: User | None, job: ImportJob, changes: dict[str, Any]) -> None:
    record(
        actor=actor,
        action="screening.import",
        obj=job,
        division_path=job.division_path,
        changes=changes,
    )


IMPORT = FileImport(
    kind=IMPORT_KIND,
    audit=_audit,
    counted="people_created",  # by write_rows
    outcome=ImportOutcome,
    log=log,
)


def import_screening_file(
    *,
    actor: User | None,
    path: Path,
    filename: str,
    valid_only: bool = False,
    job: ImportJob | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Import a screening list; the job (made if not given) records the outcome. Never
    raises for a bad file or bad rows: the outcome and the job say what happened."""
    return IMPORT.run(
        validate_rows,
        write_rows,
        actor=actor,
        path=path,
        filename=filename,
        valid_only=valid_only,
        job=job,
        progress=progress,
    )


def template_rows() -> list[list[str]]:
    """The template's instructions (second sheet): column, required, what it holds."""
    return template_rows_for(COLUMNS, REQUIRED, COLUMN_HELP)


__all__ = [
    "COLUMNS",
    "REASON",
    "SCREENING_COLUMNS",
    "ImportOutcome",
    "Validated",
    "copy_screenings",
    "import_screening_file",
    "read_table",
    "rows_in",
    "template_rows",
    "validate_rows",
    "write_rows",
]
