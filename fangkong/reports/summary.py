"""The province's daily summary to the provincial committee (情况报告省委), as a document: a Word
file (docx, to edit in WPS or Word) laid out after the official-document format GB/T 9704-2012,
and the same converted to PDF by LibreOffice (to send).

:class:`SummaryData` holds everything the document shows, already computed; :func:`summary_data`
fills it from the figures (``reports/figures.py``) and what the caller passes (the problems of the
day, the directives, the completeness line); :func:`render_docx` and :func:`render_pdf` only lay
it out. See ``docs/report-summary.md`` for the layout and where it departs from the standard.

The GB/T 9704 fonts (方正小标宋, 仿宋_GB2312, 黑体, 楷体_GB2312) are not free: free fonts stand
in, named on every run for Latin and East Asian text alike (``w:eastAsia``). A machine without
them substitutes its own CJK font (LibreOffice on the server: WenQuanYi Micro Hei).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.regions.models import Division
from fangkong.reports import figures as report_figures
from fangkong.zeroreport.models import GridDay

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

# Free fonts standing in for the standard's (GB/T 9704-2012, 7.1 and 7.3).
TITLE_FONT = "Noto Serif CJK SC"  # 方正小标宋简体: the issuing-office mark and the title
BODY_FONT = "Noto Serif CJK SC"  # 仿宋_GB2312: the body
HEI_FONT = "Noto Sans CJK SC"  # 黑体: first-level headings (一、)
KAI_FONT = "AR PL UKai CN"  # 楷体_GB2312: second-level headings ((一)), the signer's name

RED = "FF0000"
# Sizes in points: 初号 42, 二号 22, 三号 16, 四号 14, 五号 10.5.
MARK_MAX_PT = 42.0
TITLE_PT = 22.0
BODY_PT = 16.0
PAGE_NUMBER_PT = 14.0
TABLE_PT = 10.5
# The type area (版心) is 156 mm × 225 mm; 22 lines of 28 characters of 三号: 225 mm / 22 lines.
LINE_PT = 28.95
TEXT_WIDTH_PT = 156 / 25.4 * 72
CHARS_PER_LINE = 28

# The figures of the table per city, in order (the full list is in the figures section).
CITY_KEYS: tuple[str, ...] = (
    "screened",
    "fever_found",
    "cases_confirmed_new",
    "cases_confirmed_in_treatment",
    "contacts_close_new",
    "contacts_observing",
    "patients_waiting_for_bed",
    "beds_free_isolation",
)
# The figures the chart may draw over the days: those kept per grid and day (one query).
SERIES_KEYS = ("screened", "fever_found", "check_ins_missed")
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class FigureRow:
    """One key figure of the day: its label, value, and change against the day before (None
    when the day before is not known)."""

    label: str
    value: int
    change: int | None = None


@dataclass(frozen=True)
class CityRow:
    """One city (市州) of the table: its name and the values of ``SummaryData.table_columns``."""

    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class ProblemRow:
    """An open problem raised to the province: the division it comes from and what it says."""

    division: str
    text: str


@dataclass(frozen=True)
class DirectiveRow:
    """A directive of the day: its title, how many recipients, how many of them done."""

    title: str
    recipients: int
    done: int


@dataclass(frozen=True)
class SummaryData:
    """Everything the summary shows, computed beforehand; rendering reads nothing else."""

    day: dt.date
    issuing_office: str
    province: str
    document_number: str  # 发文字号, e.g. "吉防指〔2020〕12号"
    title: str
    addressee: str  # 主送机关, e.g. "省委"
    figures: tuple[FigureRow, ...]
    table_columns: tuple[str, ...]
    cities: tuple[CityRow, ...]
    series_label: str
    series: tuple[tuple[dt.date, int], ...]
    problems: tuple[ProblemRow, ...] = ()
    directives: tuple[DirectiveRow, ...] = ()
    completeness: str = ""
    signer: str = ""  # 签发人: a report to a superior office (上行文) names the one who signed it


class PdfUnavailable(ActionError):
    """The PDF cannot be made on this server (no LibreOffice, or it failed)."""

    status = 503


def document_date(day: dt.date) -> str:
    """The date as GB/T 9704-2012 writes the 成文日期: Arabic numerals, year, month and day in
    full, no leading zeros ("2020年2月7日"). A format of the standard, not a phrase to translate."""
    return f"{day.year}年{day.month}月{day.day}日"


def section_number(n: int) -> str:
    """一、二、… for the first-level headings (1 ≤ n ≤ 10)."""
    return f"{CHINESE_NUMERALS[n - 1]}、"


# ---------------------------------------------------------------- building the data


def summary_data(
    province: Division,
    day: dt.date,
    *,
    document_number: str,
    issuing_office: str,
    addressee: str,
    problems: Iterable[ProblemRow] = (),
    directives: Iterable[DirectiveRow] = (),
    completeness: str = "",
    signer: str = "",
    series_key: str = "screened",
    series_days: int = 14,
) -> SummaryData:
    """The summary of ``day`` for ``province`` (any division works: its children form the
    table): the figures of the day and the day before, every child's, and ``series_days``
    days of ``series_key`` (one of :data:`SERIES_KEYS`). Seventeen queries."""
    if series_key not in SERIES_KEYS:
        raise ValueError(f"series_key must be one of {SERIES_KEYS}")
    if not 1 <= series_days <= 60:
        raise ValueError("series_days must be between 1 and 60")
    today = report_figures.compute(province, day)
    before = report_figures.compute(province, day - dt.timedelta(days=1))
    by_child = report_figures.figures_for_children(province, day)
    children = {
        d.pk: d for d in Division.objects.filter(pk__in=by_child).order_by("code").only("name")
    }
    first = day - dt.timedelta(days=series_days - 1)
    stored = {
        row["day"]: int(row["n"] or 0)
        for row in GridDay.objects.filter(
            day__gte=first, day__lte=day, division_path__startswith=province.path
        )
        .values("day")
        .annotate(n=Sum(series_key))
        .order_by()
    }
    series = tuple(
        (d, stored.get(d, 0)) for d in (first + dt.timedelta(days=n) for n in range(series_days))
    )
    return SummaryData(
        day=day,
        issuing_office=issuing_office,
        province=province.name,
        document_number=document_number,
        title=_("Report on the epidemic prevention and control work of %(province)s on %(date)s")
        % {"province": province.name, "date": document_date(day)},
        addressee=addressee,
        figures=tuple(
            FigureRow(str(f.label), today[f.key], today[f.key] - before[f.key])
            for f in report_figures.DEFINITIONS
        ),
        table_columns=tuple(str(report_figures.BY_KEY[k].label) for k in CITY_KEYS),
        cities=tuple(
            CityRow(d.name, tuple(by_child[pk][k] for k in CITY_KEYS)) for pk, d in children.items()
        ),
        series_label=str(report_figures.BY_KEY[series_key].label),
        series=series,
        problems=tuple(problems),
        directives=tuple(directives),
        completeness=completeness,
        signer=signer,
    )


# ---------------------------------------------------------------- the chart


def chart_png(series: Sequence[tuple[dt.date, int]]) -> bytes:
    """A line chart of the series as a PNG (matplotlib, no pyplot: no global state). Only
    dates and numbers are drawn, so no CJK font is needed; the caption is the document's."""
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    fig = MplFigure(figsize=(6.1, 2.6), dpi=200)
    ax = fig.add_subplot()
    xs = list(range(len(series)))
    ys = [v for _d, v in series]
    ax.plot(xs, ys, color="#1f5fa8", linewidth=1.6, marker="o", markersize=3)
    for x, y in zip(xs[-1:], ys[-1:], strict=True):
        ax.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    step = max(1, len(series) // 7)
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([f"{d.month}/{d.day}" for d, _v in series][::step], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(bottom=0, top=max([1, *ys]) * 1.2)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


# ---------------------------------------------------------------- the Word document


# The schema's order of run and paragraph properties: what may follow w:spacing in w:rPr and
# w:pBdr in w:pPr (Word refuses a document whose properties are out of order).
_AFTER_SPACING = (
    *("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect"),
    *("w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang"),
    *("w:eastAsianLayout", "w:specVanish", "w:oMath"),
)
_AFTER_BORDER = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap"),
    *("w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi"),
    *("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing"),
    *("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
    *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr"),
    "w:pPrChange",
)


def _set_fonts(element: Any, font: str) -> None:
    """Name ``font`` for every script of a run (or style) properties element."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    bold: bool = False,
    color: str | None = None,
) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    r_pr = run._r.get_or_add_rPr()
    _set_fonts(r_pr, font)
    if size == BODY_PT:  # 28 characters of 三号 in 156 mm: condensed by 0.2 pt each
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(round((TEXT_WIDTH_PT / CHARS_PER_LINE - BODY_PT) * 20)))
        r_pr.insert_element_before(spacing, *_AFTER_SPACING)
    return run


def _paragraph(
    doc: DocxDocument,
    text: str = "",
    *,
    align: str = "justify",
    indent_chars: float = 2,
    line_pt: float | None = LINE_PT,
    space_before_pt: float = 0,
    **run: Any,
) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    fmt.first_line_indent = Pt(BODY_PT * indent_chars) if indent_chars else None
    fmt.space_before = Pt(space_before_pt)
    fmt.space_after = Pt(0)
    if line_pt:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    if text:
        _run(p, text, **run)
    return p


def _heading(doc: DocxDocument, n: int, text: str) -> Paragraph:
    """A first-level heading: 一、 in 黑体 三号, indented two characters like the body, kept
    with what follows."""
    p = _paragraph(doc, f"{section_number(n)}{text}", font=HEI_FONT)
    p.paragraph_format.keep_with_next = True
    return p


def _text_width(text: str) -> float:
    """Width in points of body text: CJK characters full width (condensed like the body),
    others about half."""
    full = TEXT_WIDTH_PT / CHARS_PER_LINE
    return sum(full if ord(c) > 0x2E7F else full * 0.6 for c in text)


def _border_bottom(paragraph: Paragraph, *, color: str, size_eighths: int, space_pt: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    p_pr.insert_element_before(borders, *_AFTER_BORDER)


def _page_field(paragraph: Paragraph, size: float) -> None:
    """A PAGE field between the dashes, so the number is the page's."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    _run(paragraph, "— ", size=size)
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        run = _run(paragraph, "", size=size)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif instr == " PAGE ":
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instr
            run._r.append(text)
        else:
            run.text = instr or ""
    end = _run(paragraph, "", size=size)
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end._r.append(fld)
    _run(paragraph, " —", size=size)


def _footers(doc: DocxDocument) -> None:
    """Page numbers "— 1 —" in 四号: odd pages right, even pages left, one character in
    (GB/T 9704-2012, 7.5)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.paragraph_format.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        _page_field(p, PAGE_NUMBER_PT)


def _page_setup(doc: DocxDocument) -> None:
    """A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 × 225 mm type area.
    No document grid (LibreOffice spreads the characters over its cells): the 22 lines come from
    the exact line spacing, the 28 characters from the body runs' condensed spacing."""
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # the page number's line sits 7 mm under the type area
    section.footer_distance = Mm(35 - 7) - Pt(PAGE_NUMBER_PT * 1.3)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)


def _cell(cell: Any, text: str, *, bold: bool = False, align: str = "center") -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.paragraph_format.alignment = (
        WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    )
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.space_before = Pt(2)
    p.paragraph_format.space_after = Pt(2)
    p.paragraph_format.line_spacing = 1.0
    _run(p, text, size=TABLE_PT, bold=bold)


def _table(
    doc: DocxDocument,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    widths_mm: Sequence[float],
) -> Any:
    """A table as wide as the type area: the first column (names) left-aligned, the numbers
    centred, 五号 text, the header bold."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for n, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _cell(cell, text, align="left" if n == 0 else "center")
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    # kept on one page when it fits; the header row repeats when it does not
    for row in table.rows[:-1]:
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)
    return table


def _change(change: int | None) -> str:
    if change is None:
        return "—"
    return f"+{change}" if change > 0 else str(change).replace("-", "−")


def render_docx(data: SummaryData) -> bytes:
    """The summary as a Word document after GB/T 9704-2012 (see the module docstring)."""
    import docx
    from docx.shared import Mm, Pt

    doc = docx.Document()
    properties = doc.core_properties  # the PDF's title and author come from these
    properties.title, properties.author = data.title, data.issuing_office
    properties.subject, properties.keywords = data.document_number, data.province
    _page_setup(doc)
    _footers(doc)
    body = doc.paragraphs[0]._p if doc.paragraphs else None
    if body is not None:  # the template's empty first paragraph
        body.getparent().remove(body)

    # 版头: the issuing-office mark, red, centred, sized to fit one line; 35 mm under the top of
    # the type area (80 mm for a report to a superior office, which leaves room for 签发人).
    mark_pt = min(MARK_MAX_PT, TEXT_WIDTH_PT / max(1, len(data.issuing_office)) * 0.95)
    _paragraph(
        doc,
        data.issuing_office,
        align="center",
        indent_chars=0,
        line_pt=mark_pt * 1.25,
        space_before_pt=Mm(80 if data.signer else 35).pt - LINE_PT,
        font=TITLE_FONT,
        size=mark_pt,
        bold=True,
        color=RED,
    )
    # two lines down, the document number; the red separator 4 mm under it
    number = _paragraph(
        doc,
        align="left" if data.signer else "center",
        indent_chars=0,
        space_before_pt=2 * LINE_PT,
    )
    if data.signer:  # 上行文: number one character in from the left, signer one in from the right
        from docx.enum.text import WD_TAB_ALIGNMENT

        number.paragraph_format.left_indent = Pt(BODY_PT)
        number.paragraph_format.tab_stops.add_tab_stop(
            Pt(TEXT_WIDTH_PT - 2 * BODY_PT), WD_TAB_ALIGNMENT.RIGHT
        )
        _run(number, data.document_number + "\t" + _("Signed by: "))
        _run(number, data.signer, font=KAI_FONT)
    else:
        _run(number, data.document_number)
    _border_bottom(number, color=RED, size_eighths=12, space_pt=11)

    # the title: 二号 小标宋, centred, two lines under the separator
    _paragraph(
        doc,
        data.title,
        align="center",
        indent_chars=0,
        line_pt=TITLE_PT * 1.6,
        space_before_pt=2 * LINE_PT,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
    )
    # the addressee, one line under the title, flush left, full-width colon
    _paragraph(doc, f"{data.addressee}：", align="left", indent_chars=0, space_before_pt=LINE_PT)
    _paragraph(
        doc,
        _(
            "The epidemic prevention and control work of %(province)s on %(date)s is reported "
            "as follows."
        )
        % {"province": data.province, "date": document_date(data.day)},
    )

    n = 0
    # 一、 the key figures, as a table
    n += 1
    _heading(doc, n, _("Key figures"))
    _table(
        doc,
        (_("Figure"), _("Today"), _("Change vs. the day before")),
        ((row.label, str(row.value), _change(row.change)) for row in data.figures),
        widths_mm=(86, 35, 35),
    )

    # 二、 by city
    n += 1
    _heading(doc, n, _("By city"))
    totals = [sum(c.values[i] for c in data.cities) for i in range(len(data.table_columns))]
    _table(
        doc,
        (_("City"), *data.table_columns),
        [
            *((c.name, *map(str, c.values)) for c in data.cities),
            (_("Total"), *map(str, totals)),
        ],
        widths_mm=(28, *[128 / max(1, len(data.table_columns))] * len(data.table_columns)),
    )

    # 三、 the trend
    n += 1
    _heading(doc, n, _("Trend"))
    if data.series:
        first, last = data.series[0][0], data.series[-1][0]
        lead = _paragraph(
            doc,
            _("%(figure)s from %(first)s to %(last)s (figure 1).")
            % {
                "figure": data.series_label,
                "first": document_date(first),
                "last": document_date(last),
            },
        )
        lead.paragraph_format.keep_with_next = True
        picture = _paragraph(doc, align="center", indent_chars=0, line_pt=None)
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(chart_png(data.series)), width=Mm(150))
        _paragraph(
            doc,
            _("Figure 1: %(figure)s, by day") % {"figure": data.series_label},
            align="center",
            indent_chars=0,
            size=TABLE_PT + 1.5,
        )

    # 四、 the open problems
    n += 1
    _heading(doc, n, _("Open problems"))
    if data.problems:
        for i, problem in enumerate(data.problems, 1):
            _paragraph(doc, f"{i}.{problem.division}：{problem.text}")
    else:
        _paragraph(doc, _("No open problem was raised to the province."))

    # 五、 the day's directives
    n += 1
    _heading(doc, n, _("Directives of the day"))
    if data.directives:
        for i, directive in enumerate(data.directives, 1):
            _paragraph(
                doc,
                f"{i}."
                + _("%(title)s: %(recipients)s recipients, %(done)s done.")
                % {
                    "title": directive.title,
                    "recipients": directive.recipients,
                    "done": directive.done,
                },
            )
    else:
        _paragraph(doc, _("No directive was issued today."))

    # 六、 the completeness of the day's reports
    if data.completeness:
        n += 1
        _heading(doc, n, _("Reports received"))
        _paragraph(doc, data.completeness)

    # the issuing office and the date, without a seal (GB/T 9704-2012, 7.3.5.2): the office two
    # characters in from the right, one line under the body; the date on the next line,
    # starting two characters right of the office's first character. Kept on the page of the
    # last paragraph of the body.
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    office_left = max(0.0, TEXT_WIDTH_PT - 2 * BODY_PT - _text_width(data.issuing_office))
    for text, left, before in (
        (data.issuing_office, office_left, LINE_PT),
        (document_date(data.day), office_left + 2 * BODY_PT, 0),
    ):
        p = _paragraph(doc, text, align="left", indent_chars=0, space_before_pt=before)
        p.paragraph_format.left_indent = Pt(left)
        p.paragraph_format.keep_with_next = before > 0

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_pdf(docx_bytes: bytes, *, timeout: float = 60) -> bytes:
    """The document converted to PDF by LibreOffice headless, in a temporary directory with its
    own LibreOffice profile (``-env:UserInstallation``), so that conversions running at the same
    time do not clash. Raises :class:`PdfUnavailable` when LibreOffice is missing, fails or takes
    longer than ``timeout`` seconds (it is then killed, with its children)."""
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable(
            _("The PDF needs LibreOffice, which is not installed on this server."),
            code="pdf_unavailable",
        )
    with tempfile.TemporaryDirectory(prefix="fangkong-summary-") as tmp:
        folder = Path(tmp)
        source = folder / "summary.docx"
        source.write_bytes(docx_bytes)
        command = [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        env = {**os.environ, "HOME": str(folder)}
        with subprocess.Popen(  # noqa: S603 - a fixed command, the input is a file we wrote
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        ) as process:
            try:
                _out, err = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise PdfUnavailable(
                    _("LibreOffice took too long to make the PDF; try again later."),
                    code="pdf_timeout",
                ) from None
        pdf = folder / "summary.pdf"
        if process.returncode != 0 or not pdf.exists():
            raise PdfUnavailable(
                _("LibreOffice could not make the PDF: %(error)s")
                % {"error": err.decode(errors="replace").strip()[-300:]},
                code="pdf_failed",
            )
        return pdf.read_bytes()
