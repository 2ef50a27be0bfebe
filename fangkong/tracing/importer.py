"""Importing a county's contact list (密接名单) from an xlsx or CSV file: one row per contact of
a case, the case named by its number, the contact's fields in the template's Chinese columns.

The rows are checked by the rules of :func:`fangkong.tracing.actions.add_contact`, with its own
checks (``clean_name``, ``clean_identity``, ``clean_phone``, ``clean_contact_address``,
``clean_relation``, ``check_residence_level``, ``check_not_self``, the chain-cycle check and
``tracing.rules.classify_contact``), every error of a row by column, rows numbered as Excel
shows them (the header is row 1). What add_contact reads one record at a time is read here for
the whole file at once: the cases named (only those of the uploader's jurisdiction: the
others read as unknown), their infection dates, the chains above them, the divisions named,
the counties of residences outside the jurisdiction and the contacts stored already.

Three phases, separable so the benchmark can time each: :func:`fangkong.bulk.readers.read_table`,
:func:`validate_rows` (reads only) and :func:`write_rows` (one transaction: the contacts by
PostgreSQL ``COPY``, ``bulk_create`` in batches elsewhere; a hand-over for each traced contact
living in another county, audited on both sides as add_contact does; one audit row
``contact.import`` for the file with its counts).

Idempotent: a contact's natural key is its case and document (type, number), the
``contact_once_per_case`` constraint. A row whose key is stored already, under the same name,
counts as "already imported" and is skipped, so the same file imported twice adds nothing the
second time; under another name it is an error. Without ``valid_only``, any row error means
nothing is written.

Only the contact list's own columns, checks and writes are here; the machinery every kind of
import shares (the job's run, its outcome and audit, the rejects file, COPY) is
:mod:`fangkong.bulk.rows`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.bulk import rows as bulk_rows
from fangkong.bulk.models import ImportJob
from fangkong.bulk.readers import Table, cell_text, read_table
from fangkong.bulk.rows import (
    DOC_TYPE_VALUES,
    DOC_TYPES,
    ESCAPES,
    NULL,
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
    rows_in,
    same_name,
    template_rows_for,
    text_reader,
    unknown_doc_type,
)
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ALL, path_in_scope, scope_of
from fangkong.core.validators import clean_phone
from fangkong.people.actions import clean_identity, clean_name
from fangkong.people.choices import DocType
from fangkong.people.idcard import InvalidIdNumber, parse_resident_id
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.tracing.actions import (
    MAX_CHAIN,
    audit_handover,
    chain_cycle,
    check_not_self,
    check_residence_level,
    clean_contact_address,
    clean_relation,
    isolation_day,
    new_handover,
    status_for,
)
from fangkong.tracing.choices import ContactStatus, Relation
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.rules import classify_contact

if TYPE_CHECKING:
    from fangkong.accounts.models import User

log = logging.getLogger(__name__)

BACKGROUND_ROWS = 2000  # larger files run as a background task
IMPORT_KIND = "contacts"  # the name tracing/imports.py registers this import under

# --- the template's columns: Chinese names are data (the tracing teams' own spreadsheets) ------

CASE_NUMBER = "病例编号"  # the number of the case the contact met
NAME = "姓名"  # the contact's full name
DOC_TYPE = "证件类型"  # document type
DOC_NUMBER = "证件号码"  # document number
PHONE = "联系电话"  # phone
ADDRESS = "现住址"  # current address
RESIDENCE = "现住地区划代码"  # code of the division (county … grid) where the contact lives
RELATION = "接触关系"  # relation to the case
FIRST_EXPOSURE = "首次接触日期"  # first exposure
LAST_EXPOSURE = "末次接触日期"  # last exposure
PROTECTED = "是否防护"  # protected during the exposure

COLUMNS = [
    CASE_NUMBER, NAME, DOC_TYPE, DOC_NUMBER, PHONE, ADDRESS, RESIDENCE, RELATION,
    FIRST_EXPOSURE, LAST_EXPOSURE, PROTECTED,
]  # fmt: skip
REQUIRED = [CASE_NUMBER, NAME, DOC_NUMBER, RESIDENCE, RELATION, FIRST_EXPOSURE, LAST_EXPOSURE]

# Choices as written in the file (their codes and labels in English and Chinese are accepted too;
# the document types are every importer's: bulk/rows.py).
RELATIONS = {
    "家庭成员": Relation.HOUSEHOLD,
    "家庭": Relation.HOUSEHOLD,
    "共同居住": Relation.HOUSEHOLD,
    "同住": Relation.HOUSEHOLD,
    "住户": Relation.HOUSEHOLD,
    "工作单位": Relation.WORKPLACE,
    "同事": Relation.WORKPLACE,
    "工作": Relation.WORKPLACE,
    "交通工具": Relation.TRANSPORT,
    "同乘": Relation.TRANSPORT,
    "交通": Relation.TRANSPORT,
    "交通方式": Relation.TRANSPORT,
    "医疗机构": Relation.MEDICAL,
    "医疗": Relation.MEDICAL,
    "诊疗": Relation.MEDICAL,
    "社交": Relation.SOCIAL,
    "聚餐": Relation.SOCIAL,
    "朋友": Relation.SOCIAL,
    "其他": Relation.OTHER,
}
RELATION_WORDS = "家庭成员、工作单位、交通工具、医疗机构、社交、其他"  # for messages
YES = {"是", "有", "已防护", "y", "yes", "true", "1", "t"}
NO = {"", "否", "无", "未防护", "n", "no", "false", "0", "f"}

# What each column holds, for the template's second sheet and docs.
COLUMN_HELP = {
    CASE_NUMBER: "必填。所接触病例的病例编号，须为本辖区的病例。",
    NAME: "必填。",
    DOC_TYPE: "居民身份证（默认）、护照、港澳通行证、台湾居民来往大陆通行证、其他证件。",
    DOC_NUMBER: "必填。身份证号码18位（旧15位可），请将此列设为文本格式，否则Excel会丢失末位。",
    PHONE: "11位手机号或带区号的固定电话；可空。",
    ADDRESS: "可空，200字以内。",
    RESIDENCE: (
        "必填。现住地的县（区）、乡镇（街道）、村（社区）或网格编码；住在外县的将移交该县协查。"
    ),
    RELATION: f"必填。{RELATION_WORDS}。",
    FIRST_EXPOSURE: "必填。如 2020-02-01，不得晚于病例隔离之日。",
    LAST_EXPOSURE: "必填。不得早于首次接触日期，不得晚于今天。",
    PROTECTED: "是或否（空即否）。有防护的接触者为一般接触者。",
}

FIELD_COLUMNS = {  # ActionError.field → column
    "name": NAME,
    "doc_type": DOC_TYPE,
    "doc_number": DOC_NUMBER,
    "phone": PHONE,
    "address": ADDRESS,
    "residence": RESIDENCE,
    "relation": RELATION,
    "first_exposure": FIRST_EXPOSURE,
    "last_exposure": LAST_EXPOSURE,
}

# The columns written, in order (COPY on PostgreSQL).
CONTACT_COLUMNS = [
    "case_id", "division_path", "kind", "kind_reason", "name", "doc_type", "doc_number", "phone",
    "address", "residence_id", "relation", "first_exposure", "last_exposure", "protected",
    "observe_until", "status", "note", "created_by_id", "created_at", "updated_at",
]  # fmt: skip
CASE_ID, DOC_TYPE_AT, DOC_NUMBER_AT, NAME_AT, STATUS_AT = 0, 5, 6, 4, 15


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseInfo:
    """What the rules need of a case named in the file."""

    pk: int
    number: str
    division_path: str
    infection_date: dt.date
    isolated_on: dt.date | None
    county: Division
    identity: tuple[str, str]


@dataclass
class Validated(bulk_rows.Validated):
    """The outcome of :func:`validate_rows`: the rows to write (CONTACT_COLUMNS order) and,
    beside each, the county it is handed over to (None: traced here or not traced)."""

    handover_to: list[Division | None] = field(default_factory=list)
    cases: dict[int, CaseInfo] = field(default_factory=dict)


@dataclass
class ImportOutcome(bulk_rows.ImportOutcome):
    handed_over: int = 0


# --- phase 2: validation -----------------------------------------------------------------------


def _relations() -> dict[str, str]:
    """The words accepted for a relation: the codes, their labels in English and Chinese, and
    the words of RELATIONS."""
    words: dict[str, str] = {}
    for code, label in Relation.choices:
        words[code] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                words.setdefault(str(label), code)
    words.update({k: str(v) for k, v in RELATIONS.items()})
    return words


def find_cases(actor: User | None, numbers: set[str]) -> dict[str, CaseInfo]:
    """The cases with these numbers whose address lies in the actor's jurisdiction (where
    add_contact may add contacts to them), with their infection dates, read in batches."""
    from fangkong.cases.choices import Result
    from fangkong.cases.models import Case, Sample

    scope = scope_of(actor) if actor is not None else ALL
    if scope is None:
        return {}
    found: dict[str, CaseInfo] = {}
    no_onset: dict[int, tuple[str, dt.datetime]] = {}
    rows: list[tuple[Any, ...]] = []
    counties: dict[int, Division] = {}
    for chunk in chunks(sorted(n for n in numbers if n and len(n) <= 20)):
        cases = Case.objects.filter(number__in=chunk)
        if scope:
            cases = cases.filter(division_path__startswith=scope)
        rows += cases.values_list(
            "pk",
            "number",
            "division_path",
            "onset_date",
            "diagnosed_at",
            "isolated_at",
            "county_id",
            "person__doc_type",
            "person__doc_number",
        )
    county_ids = {r[6] for r in rows}
    for ids in chunks(sorted(county_ids)):
        counties.update({d.pk: d for d in Division.objects.filter(pk__in=ids)})
    for pk, number, _path, onset, diagnosed_at, *_rest in rows:
        if onset is None:
            no_onset[pk] = (number, diagnosed_at)
    first_positive: dict[int, dt.datetime] = {}
    for ids in chunks(sorted(no_onset)):
        first_positive.update(
            Sample.objects.filter(case_id__in=ids, result=Result.POSITIVE)
            .values("case_id")
            .annotate(first=Min("sampled_at"))
            .values_list("case_id", "first")
        )
    for pk, number, path, onset, diagnosed_at, isolated_at, county_id, dtype, dnum in rows:
        # Case.infection_date: the onset, else the first positive sample, else the diagnosis
        infection = onset if onset is not None else (first_positive.get(pk) or diagnosed_at).date()
        found[number] = CaseInfo(
            pk, number, path, infection, isolation_day(isolated_at), counties[county_id],
            (dtype, dnum),
        )  # fmt: skip
    return found


def ancestor_identities(case_ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
    """For each case, the identities of the cases above it in its chain (the case it was a
    contact of, that case's source, …): add_contact's chain-cycle check, read for all the
    cases of the file at once, one query per generation."""
    from fangkong.cases.models import Case

    parents: dict[int, set[int]] = {}
    seen = set(case_ids)
    frontier = sorted(seen)
    for _generation in range(MAX_CHAIN):
        new: set[int] = set()
        for chunk in chunks(frontier):
            for child, parent in (
                Contact.objects.filter(became_case_id__in=chunk)
                .values_list("became_case_id", "case_id")
                .distinct()
            ):
                parents.setdefault(child, set()).add(parent)
                if parent not in seen:
                    new.add(parent)
        if not new:
            break
        seen |= new
        frontier = sorted(new)
    if not parents:
        return {}
    above: dict[int, set[int]] = {}
    for case_id in case_ids:
        found: set[int] = set()
        stack = list(parents.get(case_id, ()))
        while stack and len(found) < MAX_CHAIN:
            parent = stack.pop()
            if parent in found or parent == case_id:
                continue
            found.add(parent)
            stack.extend(parents.get(parent, ()))
        if found:
            above[case_id] = found
    wanted = sorted(set().union(*above.values())) if above else []
    identity: dict[int, tuple[str, str]] = {}
    for chunk in chunks(wanted):
        for pk, doc_type, doc_number in Case.objects.filter(pk__in=chunk).values_list(
            "pk", "person__doc_type", "person__doc_number"
        ):
            identity[pk] = (doc_type, doc_number)
    return {c: {identity[p] for p in ps if p in identity} for c, ps in above.items()}


def find_divisions(codes: set[str]) -> dict[str, Division]:
    """The active divisions with these codes."""
    found: dict[str, Division] = {}
    listed = sorted(c for c in codes if c.isdigit() and len(c) <= 15)
    for chunk in chunks(listed):
        for d in Division.objects.filter(code__in=chunk, active=True).only(
            "id", "code", "path", "level", "name"
        ):
            found[d.code] = d
    return found


def counties_of(divisions: Sequence[Division]) -> dict[str, Division]:
    """The county-level division at or above each division (by path), in one query: where a
    contact living there is handed over (add_contact's ``county_of``)."""
    paths: set[str] = set()
    for d in divisions:
        paths.update(d.ancestor_paths())
        paths.add(d.path)
    counties = {
        c.path: c
        for chunk in chunks(sorted(paths))
        for c in Division.objects.filter(path__in=chunk, level=Level.COUNTY)
    }
    result: dict[str, Division] = {}
    for d in divisions:
        for path in [d.path, *reversed(d.ancestor_paths())]:
            if path in counties:
                result[d.path] = counties[path]
                break
    return result


class _Checks(CellChecks):
    """The per-file state of validation and caches of checks that repeat from row to row."""

    def __init__(self, today: dt.date) -> None:
        super().__init__(today)
        # each the clean text, or (message,) when it is wrong
        self.name = cached_check(clean_name)
        self.address = cached_check(clean_contact_address)
        self.verdicts: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def verdict(
        self, case: CaseInfo, first: dt.date, last: dt.date, protected: bool
    ) -> tuple[Any, ...]:
        """classify_contact for the case and exposure: (kind, reason, observe until) or
        (None, column, message)."""
        key = (case.pk, first, last, protected)
        try:
            return self.verdicts[key]
        except KeyError:
            pass
        result: tuple[Any, ...]
        try:
            v = classify_contact(
                infection_date=case.infection_date,
                isolated_on=case.isolated_on,
                first_exposure=first,
                last_exposure=last,
                protected=protected,
                secondary=False,
                today=self.today,
            )
            result = (str(v.kind), v.reason[:200], v.observe_until)
        except ActionError as exc:
            result = (None, FIELD_COLUMNS.get(exc.field or "", LAST_EXPOSURE), exc.message)
        self.verdicts[key] = result
        return result


def validate_rows(
    table: Table,
    *,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> Validated:
    """Check every row of ``table`` by add_contact's rules: the database read in batches first
    (cases, chains, divisions, counties), then each row on its own, then the contacts stored
    already. Reads, never writes."""
    index, ignored = columns_of(table.header, COLUMNS, REQUIRED)
    result = Validated(
        header=table.header, kind=table.kind, total=len(table.rows), ignored_columns=ignored
    )
    rows = table.rows
    width = len(table.header)
    at = [index.get(c, width) for c in COLUMNS]  # an absent column reads the padding cell
    (
        i_case, i_name, i_doc_type, i_doc_number, i_phone, i_address, i_residence, i_relation,
        i_first, i_last, i_protected,
    ) = at  # fmt: skip
    text = text_reader(table.kind)
    pad = [""] * (width + 1)

    # 1. the database, in batches: the cases named, their chains, the divisions and counties
    numbers: set[str] = set()
    codes: set[str] = set()
    for _n, raw in rows:
        cells = list(raw) + pad if len(raw) <= width else raw
        numbers.add(text(cells[i_case]))
        codes.add(text(cells[i_residence]))
    cases = find_cases(actor, numbers)
    above = ancestor_identities([c.pk for c in cases.values()])
    divisions = find_divisions(codes)
    outside = [
        d
        for d in divisions.values()
        if d.level >= Level.COUNTY and (actor is None or not path_in_scope(actor, d.path))
    ]
    counties = counties_of(outside)
    result.cases = {c.pk: c for c in cases.values()}

    # 2. each row on its own (no query)
    checks = _Checks(timezone.localdate())
    today = checks.today
    relations = _relations()
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    resident = str(DocType.RESIDENT_ID)
    residence_ok: dict[str, Division | str] = {}
    seen: dict[tuple[int, str, str], int] = {}
    out_rows: list[list[Any]] = []
    handover_to: list[Division | None] = []
    numbers_of: list[int] = []
    raws: list[Sequence[Any]] = []
    errors_of: dict[int, list[RowError]] = {}
    cells_of: dict[int, Sequence[Any]] = {}
    label_first, label_last = _("first exposure"), _("last exposure")
    no_case = _("No case numbered “%(number)s” in your jurisdiction.")
    unknown_division = _(
        "No active division with code “%(code)s”: write the code of the county, township, "
        "village or grid where the contact lives."
    )

    for done, (number, raw) in enumerate(rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        cells = list(raw) + pad if len(raw) <= width else raw
        problems: list[tuple[str, str]] = []

        case_number = text(cells[i_case])
        case = cases.get(case_number)
        if case is None:
            problems.append(
                (
                    CASE_NUMBER,
                    no_case % {"number": case_number[:20]}
                    if case_number
                    else _("Enter the case number."),
                )
            )
        name = checks.name(text(cells[i_name]))
        if name.__class__ is tuple:
            problems.append((NAME, name[0]))
        doc_type_text = text(cells[i_doc_type])
        doc_type = DOC_TYPES.get(doc_type_text, doc_type_text) if doc_type_text else resident
        raw_number = cells[i_doc_number]
        doc_number = ""
        if doc_type not in DOC_TYPE_VALUES:
            problems.append((DOC_TYPE, unknown_doc_type(doc_type_text)))
        elif isinstance(raw_number, float) and doc_type == resident:
            problems.append((DOC_NUMBER, id_typed_as_number()))
        elif doc_type == resident:  # clean_identity's path for a resident ID, without sex
            try:
                doc_number = parse_resident_id(text(raw_number), today=today).number
            except InvalidIdNumber as exc:
                problems.append((DOC_NUMBER, str(exc)))
        else:
            try:
                doc_number = clean_identity(doc_type, cell_text(raw_number), today=today).doc_number
            except ActionError as exc:
                problems.append((FIELD_COLUMNS.get(exc.field or "", DOC_NUMBER), exc.message))
        phone_text = text(cells[i_phone])
        phone = ""
        if phone_text:
            try:
                phone = clean_phone(phone_text, required=False)
            except ActionError as exc:
                problems.append((PHONE, exc.message))
        address = checks.address(text(cells[i_address]))
        if address.__class__ is tuple:
            problems.append((ADDRESS, address[0]))
        code = text(cells[i_residence])
        residence = residence_ok.get(code)
        if residence is None:
            division = divisions.get(code)
            if division is None:
                residence = (
                    unknown_division % {"code": code[:20]}
                    if code
                    else _("Choose the division where the contact lives.")
                )
            else:
                try:
                    residence = check_residence_level(division)
                except ActionError as exc:
                    residence = exc.message
            residence_ok[code] = residence
        if residence.__class__ is str:
            problems.append((RESIDENCE, residence))  # type: ignore[arg-type]
        relation_text = text(cells[i_relation])
        relation = relations.get(relation_text, relation_text)
        try:
            clean_relation(relation)
        except ActionError as exc:
            problems.append(
                (
                    RELATION,
                    exc.message
                    + " "
                    + _("Write one of: %(choices)s.")
                    % {
                        "choices": "、".join(
                            ["家庭成员", "工作单位", "交通工具", "医疗机构", "社交", "其他"]
                        )
                    },
                )
            )
        first = checks.date(cells[i_first])
        last = checks.date(cells[i_last])
        for column, label, value in (
            (FIRST_EXPOSURE, label_first, first),
            (LAST_EXPOSURE, label_last, last),
        ):
            if value is None:
                problems.append((column, _("Enter the %(label)s.") % {"label": label}))
            elif value.__class__ is str:
                problems.append((column, value))  # type: ignore[arg-type]
        protected_text = text(cells[i_protected]).lower()
        protected = protected_text in YES
        if not protected and protected_text not in NO:
            problems.append((PROTECTED, _("Write 是 (protected) or 否 (not protected).")))

        if not problems:
            assert case is not None and isinstance(residence, Division)
            assert isinstance(first, dt.date) and isinstance(last, dt.date)
            identity = (doc_type, doc_number)
            try:
                check_not_self(identity, case.identity)
                if identity in above.get(case.pk, ()):
                    raise chain_cycle()
            except ActionError as exc:
                problems.append((DOC_NUMBER, exc.message))
            else:
                verdict = checks.verdict(case, first, last, protected)
                if verdict[0] is None:
                    problems.append((verdict[1], verdict[2]))
                else:
                    key = (case.pk, doc_type, doc_number)
                    first_row = seen.setdefault(key, number)
                    if first_row != number:
                        problems.append(
                            (
                                DOC_NUMBER,
                                _(
                                    "Row %(row)s already has this person as a contact of the "
                                    "same case."
                                )
                                % {"row": first_row},
                            )
                        )
                    else:
                        kind, reason, until = verdict
                        in_scope = (
                            residence.path.startswith(case.county.path)
                            if actor is None
                            else path_in_scope(actor, residence.path)
                        )
                        status = status_for(kind, in_scope)
                        county = (
                            counties.get(residence.path)
                            if status == ContactStatus.HANDED_OVER
                            else None
                        )
                        out_rows.append(
                            [
                                case.pk,
                                case.division_path,
                                kind,
                                reason,
                                name,
                                doc_type,
                                doc_number,
                                phone,
                                address,
                                residence.pk,
                                relation,
                                first,
                                last,
                                protected,
                                until,
                                str(status),
                                "",
                                actor_id,
                                now,
                                now,
                            ]
                        )
                        handover_to.append(county)
                        numbers_of.append(number)
                        raws.append(raw)
                        continue
        errors_of[number] = [RowError(number, c, m) for c, m in problems]
        cells_of[number] = raw

    if progress is not None:
        progress(len(rows), len(rows))

    # 3. the contacts stored already: skipped under the same name, an error under another
    _against_database(result, out_rows, handover_to, numbers_of, raws, errors_of, cells_of)
    result.reject(errors_of, cells_of)
    return result


def _stored(case_ids: list[int]) -> dict[tuple[int, str, str], str]:
    """The contacts stored for these cases: (case, doc type, doc number) → name."""
    stored: dict[tuple[int, str, str], str] = {}
    for chunk in chunks(case_ids):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT case_id, doc_type, doc_number, name FROM {Contact._meta.db_table} "  # noqa: S608 - a model's own table name
                    "WHERE case_id = ANY(%s)",
                    [list(chunk)],
                )
                found = cursor.fetchall()
        else:
            found = list(
                Contact.objects.filter(case_id__in=chunk).values_list(
                    "case_id", "doc_type", "doc_number", "name"
                )
            )
        for case_id, doc_type, doc_number, name in found:
            stored[(case_id, doc_type, doc_number)] = name
    return stored


def _against_database(
    result: Validated,
    rows: list[list[Any]],
    handover_to: list[Division | None],
    numbers: list[int],
    raws: list[Sequence[Any]],
    errors_of: dict[int, list[RowError]],
    cells_of: dict[int, Sequence[Any]],
) -> None:
    stored = _stored(sorted({row[CASE_ID] for row in rows}))
    kept_rows: list[list[Any]] = []
    kept_to: list[Division | None] = []
    for row, county, number, raw in zip(rows, handover_to, numbers, raws, strict=True):
        name = stored.get((row[CASE_ID], row[DOC_TYPE_AT], row[DOC_NUMBER_AT]))
        if name is None:
            kept_rows.append(row)
            kept_to.append(county)
        elif same_name(name, row[NAME_AT]):
            result.existing += 1
        else:
            errors_of[number] = [
                RowError(
                    number,
                    DOC_NUMBER,
                    _(
                        "This case already has a contact with this document number, under "
                        "another name (%(name)s). Check the number and the name."
                    )
                    % {"name": name},
                )
            ]
            cells_of[number] = raw
    result.rows, result.handover_to = kept_rows, kept_to


# --- phase 3: writing --------------------------------------------------------------------------


def _line(row: Sequence[Any], esc: Any = ESCAPES) -> str:
    """A row as a line of COPY text: the columns holding people's text are escaped, the others
    hold ids, codes, digits and dates."""
    until = NULL if row[14] is None else row[14]
    actor = NULL if row[17] is None else row[17]
    return (
        f"{row[0]}\t{row[1]}\t{row[2]}\t{row[3].translate(esc)}\t{row[4].translate(esc)}\t"
        f"{row[5]}\t{row[6]}\t{row[7]}\t{row[8].translate(esc)}\t{row[9]}\t{row[10]}\t"
        f"{row[11]}\t{row[12]}\t{'t' if row[13] else 'f'}\t{until}\t{row[15]}\t\t{actor}\t"
        f"{row[18].isoformat()}\t{row[19].isoformat()}\n"
    )


def copy_contacts(rows: Sequence[Sequence[Any]]) -> None:
    """Write validated rows (CONTACT_COLUMNS order): COPY on PostgreSQL (psycopg 3 on the raw
    connection, inside the transaction; its errors become Django's, so a concurrent import's
    ``UniqueViolation`` is an ``IntegrityError``), ``bulk_create`` in batches elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(Contact._meta.db_table, CONTACT_COLUMNS, rows, _line)
        return
    Contact.objects.bulk_create(
        [Contact(**dict(zip(CONTACT_COLUMNS, row, strict=True))) for row in rows],
        batch_size=500,
    )


def _recheck(validated: Validated, actor: User | None) -> None:
    """Inside the transaction: the cases are still the actor's, the residences still active."""
    from fangkong.cases.models import Case

    case_ids = sorted({row[CASE_ID] for row in validated.rows})
    residence_ids = sorted({row[9] for row in validated.rows})
    visible = Case.objects.all()
    if actor is not None:
        scope = scope_of(actor)
        visible = visible.filter(division_path__startswith=scope or "") if scope else visible
        if scope is None:
            visible = visible.none()
    found = sum(visible.filter(pk__in=chunk).count() for chunk in chunks(case_ids))
    active = sum(
        Division.objects.filter(pk__in=chunk, active=True).count()
        for chunk in chunks(residence_ids)
    )
    if found != len(case_ids) or active != len(residence_ids):
        raise ActionError(
            _("A case or a division of the file changed meanwhile; import the file again."),
            code="changed_meanwhile",
        )


def write_rows(validated: Validated, *, actor: User | None) -> int:
    """Write the valid rows in the caller's transaction, and hand over the contacts living in
    another county as add_contact does (a hand-over each, audited on both sides). Returns how
    many were handed over."""
    _recheck(validated, actor)
    copy_contacts(validated.rows)
    handed = [
        (row, county)
        for row, county in zip(validated.rows, validated.handover_to, strict=True)
        if county is not None
    ]
    if not handed:
        return 0
    ids: dict[tuple[int, str, str], int] = {}
    keys = [(row[CASE_ID], row[DOC_TYPE_AT], row[DOC_NUMBER_AT]) for row, _c in handed]
    for chunk in chunks(sorted({k[0] for k in keys})):
        numbers = {k[2] for k in keys if k[0] in set(chunk)}
        for pk, case_id, doc_type, doc_number in Contact.objects.filter(
            case_id__in=chunk, doc_number__in=numbers
        ).values_list("pk", "case_id", "doc_type", "doc_number"):
            ids[(case_id, doc_type, doc_number)] = pk
    now = timezone.now()
    handovers = []
    for (row, county), key in zip(handed, keys, strict=True):
        sender = validated.cases[row[CASE_ID]].county
        handovers.append(new_handover(ids[key], sender, county, now))
    Handover.objects.bulk_create(handovers, batch_size=500)
    for handover in Handover.objects.filter(
        contact_id__in=[h.contact_id for h in handovers]
    ).select_related("from_division", "to_division"):
        audit_handover(actor, handover, handover.from_division, handover.to_division)
    return len(handovers)


# --- the whole: a job ---------------------------------------------------------------------------


def _audit(actor: User | None, job: ImportJob, changes: dict[str, Any]) -> None:
    record(
        actor=actor,
        action="contact.import",
        obj=job,
        division_path=job.division_path,
        changes=changes,
    )


IMPORT = FileImport(
    kind=IMPORT_KIND,
    audit=_audit,
    counted="handed_over",  # by write_rows
    outcome=ImportOutcome,
    log=log,
)


def import_contact_file(
    *,
    actor: User | None,
    path: Path,
    filename: str,
    valid_only: bool = False,
    job: ImportJob | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Import a contact list; the job (made if not given) records the outcome. Never raises
    for a bad file or bad rows: the outcome and the job say what happened."""
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


# --- the template ------------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    """The template's instructions (second sheet): column, required, what it holds."""
    return template_rows_for(COLUMNS, REQUIRED, COLUMN_HELP)


__all__ = [
    "COLUMNS",
    "CONTACT_COLUMNS",
    "REASON",
    "ImportOutcome",
    "Validated",
    "copy_contacts",
    "import_contact_file",
    "read_table",
    "rows_in",
    "template_rows",
    "validate_rows",
    "write_rows",
]
