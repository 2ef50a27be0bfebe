"""The province's daily summary to the committee: its data from the records, the Word document
laid out after GB/T 9704-2012, and the PDF made by LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docx
import pytest
from django.utils import timezone
from docx.oxml.ns import qn

from fangkong.reports import summary
from fangkong.reports.figures import BY_KEY
from fangkong.reports.summary import (
    CityRow,
    DirectiveRow,
    FigureRow,
    PdfUnavailable,
    ProblemRow,
    SummaryData,
    document_date,
    render_docx,
    render_pdf,
    summary_data,
)
from fangkong.zeroreport import actions as zero_actions
from fangkong.zeroreport.tests import factories as zf

CITIES = ("长春市", "吉林市", "四平市", "辽源市", "通化市", "白山市", "松原市", "白城市", "延边州")
DAY = dt.date(2020, 2, 7)


def province_data(signer: str = "") -> SummaryData:
    """A province-sized summary: 13 figures, 9 cities, 14 days."""
    return SummaryData(
        day=DAY,
        issuing_office="吉林省新型冠状病毒肺炎疫情防控工作领导小组",
        province="吉林省",
        document_number="吉防指〔2020〕12号",
        title="关于2020年2月7日全省疫情防控工作情况的报告",
        addressee="省委",
        figures=tuple(FigureRow(f"指标{n}", 1000 + n, n - 6) for n in range(13)),
        table_columns=tuple(f"列{n}" for n in range(8)),
        cities=tuple(CityRow(name, tuple(range(n, n + 8))) for n, name in enumerate(CITIES)),
        series_label="排查人数",
        series=tuple((DAY - dt.timedelta(days=13 - n), 500 + 20 * n) for n in range(14)),
        problems=(ProblemRow("长春市", "N95口罩缺口5万只，请求省指挥部调拨。"),),
        directives=(DirectiveRow("关于加强交通卡口管理的通知", 9, 7),),
        completeness="应报市州9个，已报9个，按时8个，迟报1个。",
        signer=signer,
    )


def texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def east_asian_font(run: Any) -> str | None:
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def pt(length: Any) -> float:
    return float(length.pt)


def test_the_date_is_written_as_the_standard_wants() -> None:
    assert document_date(dt.date(2020, 2, 7)) == "2020年2月7日"
    assert summary.section_number(3) == "三、"


def test_the_word_document_holds_everything(settings: Any) -> None:
    data = province_data()

    document = docx.Document(io.BytesIO(render_docx(data)))

    lines = texts(document)
    assert lines[0] == data.issuing_office
    assert data.document_number in lines[1]
    assert data.title in lines
    assert "省委：" in lines
    headings = [line for line in lines if re.match(r"^[一二三四五六七八九十]、", line)]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert any("N95口罩缺口5万只" in line for line in lines)
    assert any("关于加强交通卡口管理的通知" in line for line in lines)
    assert data.completeness in lines
    assert lines[-2:] == [data.issuing_office, "2020年2月7日"]
    # the figures and the cities, with their total
    figures, cities = document.tables
    assert [c.text for c in figures.rows[1].cells] == ["指标0", "1000", "−6"]
    assert [c.text for c in figures.rows[7].cells] == ["指标6", "1006", "0"]
    assert [c.text for c in figures.rows[13].cells] == ["指标12", "1012", "+6"]
    assert [r.cells[0].text for r in cities.rows[1:10]] == list(CITIES)
    assert cities.rows[10].cells[1].text == str(sum(range(9)))
    # the chart
    assert len(document.inline_shapes) == 1


def test_the_page_is_laid_out_after_gb_t_9704() -> None:
    document = docx.Document(io.BytesIO(render_docx(province_data(signer="张三"))))

    section = document.sections[0]
    page: tuple[Any, ...] = (section.page_width, section.page_height)
    assert [round(pt(length) / 72 * 25.4) for length in page] == [210, 297]
    margins: tuple[Any, ...] = (
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    )
    assert [round(pt(m) / 72 * 25.4) for m in margins] == [37, 35, 28, 26]
    mark, number, _line, title = document.paragraphs[:4]
    # the issuing office in red, the separator line red, the title in 二号
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    assert east_asian_font(mark.runs[0]) == summary.TITLE_FONT
    line: Any = number._p.pPr
    assert line.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"
    assert "张三" in number.text  # a report to a superior names who signed it
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    assert pt(title.runs[0].font.size) == 22
    body = next(p for p in document.paragraphs if p.text.startswith("应报"))
    assert pt(body.runs[0].font.size) == 16
    assert east_asian_font(body.runs[0]) == summary.BODY_FONT
    assert round(pt(body.paragraph_format.line_spacing), 2) == 28.95
    heading = next(p for p in document.paragraphs if p.text.startswith("一、"))
    assert east_asian_font(heading.runs[0]) == summary.HEI_FONT
    # page numbers "— N —": odd pages right, even pages left
    assert document.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml


def test_the_data_come_from_the_records(tree: SimpleNamespace, django_assert_max_num_queries: Any):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    for day, grid, n in (
        (today, tree.grid1, 3),
        (today, tree.other_grid, 1),
        (yesterday, tree.grid1, 1),
    ):
        for _n in range(n):
            zf.screening(grid, day)
    zero_actions.refresh_grid_days(day=today)
    zero_actions.refresh_grid_days(day=yesterday)

    with django_assert_max_num_queries(18):
        data = summary_data(
            tree.province,
            today,
            document_number="吉防指〔2020〕12号",
            issuing_office="吉林省疫情防控工作领导小组",
            addressee="省委",
            completeness="应报2个，已报2个。",
        )

    screened = next(row for row in data.figures if row.label == str(BY_KEY["screened"].label))
    assert (screened.value, screened.change) == (4, 3)
    assert [c.name for c in data.cities] == ["长春市", "吉林市"]
    assert [c.values[0] for c in data.cities] == [3, 1]
    assert len(data.series) == 14
    assert data.series[-2:] == ((yesterday, 1), (today, 4))
    assert tree.province.name in data.title
    assert docx.Document(io.BytesIO(render_docx(data))).tables[1].rows[-1].cells[1].text == "4"


def test_a_series_of_a_figure_not_kept_per_day_is_refused(tree: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="series_key"):
        summary_data(
            tree.province,
            DAY,
            document_number="",
            issuing_office="",
            addressee="",
            series_key="beds_free_icu",
        )


def _pdf_title(pdf: bytes) -> str:
    found = re.search(rb"/Title\s*<([0-9A-Fa-f]+)>", pdf)
    assert found, "the PDF has no title"
    return bytes.fromhex(found.group(1).decode()).decode("utf-16")


def test_the_pdf() -> None:
    if summary.soffice_path() is None:
        message = "PDF test skipped: LibreOffice (soffice) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (it must be under CI: .ci/run installs it)")
        pytest.skip(message)
    data = province_data()

    pdf = render_pdf(render_docx(data))

    assert pdf.startswith(b"%PDF")
    assert _pdf_title(pdf) == data.title
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2


def test_without_libreoffice_the_pdf_is_refused_clearly(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)

    with pytest.raises(PdfUnavailable) as refused:
        render_pdf(b"not a document")

    assert refused.value.code == "pdf_unavailable"
    assert refused.value.message


def _fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_a_hanging_conversion_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(summary, "soffice_path", lambda: _fake_soffice(tmp_path, "sleep 30"))

    with pytest.raises(PdfUnavailable) as refused:
        render_pdf(b"x", timeout=0.5)

    assert refused.value.code == "pdf_timeout"


def test_a_failed_conversion_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    script = _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 1")
    monkeypatch.setattr(summary, "soffice_path", lambda: script)

    with pytest.raises(PdfUnavailable) as refused:
        render_pdf(b"x")

    assert refused.value.code == "pdf_failed"
    assert "could not be loaded" in refused.value.message
