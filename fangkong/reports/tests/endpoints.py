"""The jurisdiction-matrix entries of the daily reports (see fangkong/core/tests/endpoints.py).

Review is DHIS2's: only the level directly above a division approves, returns or marks missing
its report, and a division writes only its own. The matrix's "above" caller (the province) is
therefore refused those with a clear message (302 back to the page, or 400 in the API) and
writes nothing; those entries say ``writes=False`` and accept both answers. The sibling gets 404
and nothing is written, as everywhere."""

from __future__ import annotations

from django.utils import timezone

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports import actions
from fangkong.reports.models import DailyReport, Summary

MINE = "the caller's own division's report (or the province's settings): no record of another"


def _village(w: World) -> Division:
    nanling = w.tree.nanling
    code = f"{nanling.code[:9]}{600 + w.number():03d}"
    village = Division.objects.create(
        code=code,
        name=w.name("矩阵社区"),
        level=Level.VILLAGE,
        parent=nanling,
        path=f"{nanling.path}{code}/",
    )
    return village


def _submitted(w: World) -> DailyReport:
    village = _village(w)
    return actions.submit_report(actor=None, division=village, day=timezone.localdate())


def report_page(w: World) -> Target:
    report = _submitted(w)
    return Target(home=report.division, args={"pk": report.pk}, data={"reason": "数据不全"})


def review(w: World) -> Target:
    """A village's submitted report; the caller lives at its parent (the township)."""
    report = _submitted(w)
    return Target(home=w.tree.nanling, args={"pk": report.pk}, data={"reason": "数据不全"})


def approved(w: World) -> Target:
    report = _submitted(w)
    actions.approve(actor=None, report=report)
    return Target(home=w.tree.nanling, args={"pk": report.pk}, data={"reason": "重新核对"})


def missing(w: World) -> Target:
    village = _village(w)
    return Target(
        home=w.tree.nanling,
        args={"code": village.code},
        data={"reason": "未报", "day": timezone.localdate().isoformat()},
    )


def missing_api(w: World) -> Target:
    village = _village(w)
    return Target(home=w.tree.nanling, data={"division": village.code, "reason": "未报"})


def listed(w: World) -> Target:
    report = _submitted(w)
    return Target(home=report.division, marker="")


def problem(w: World) -> Target:
    village = _village(w)
    report = actions.submit_report(
        actor=None, division=village, day=timezone.localdate(), problems=[{"text": "缺口罩"}]
    )
    return Target(
        home=w.tree.nanling, args={"pk": report.problems.get().pk}, data={"answer": "已解决"}
    )


def deadline(w: World) -> Target:
    return Target(home=w.tree.nanling, args={"level": 5}, data={"time": "16:00"})


def children(w: World) -> Target:
    report = _submitted(w)
    return Target(home=w.tree.nanling, marker=report.division.name)


def _summary(w: World) -> Summary:
    """A kept summary of a fresh community (the bytes stand for a generated document)."""
    village = _village(w)
    return Summary.objects.create(
        division=village,
        division_path=village.path,
        day=timezone.localdate(),
        document_number=w.name("吉防指〔2020〕"),
        title=w.name("矩阵日报"),
        docx=b"PK\x03\x04 docx",
        pdf=b"%PDF-1.7 pdf",
    )


def summary_listed(w: World) -> Target:
    row = _summary(w)
    return Target(home=row.division, marker=row.title)


def summary_file(w: World) -> Target:
    row = _summary(w)
    return Target(home=row.division, args={"pk": row.pk, "fmt": "docx"})


def summary_new(w: World) -> Target:
    return Target(home=_village(w), data={"day": timezone.localdate().isoformat()})


EITHER = (302,)
EITHER_API = (200, 400)

CASES = [
    Case("reports:today", "GET", OWN, reason=MINE),
    Case("reports:today", "POST", OWN, ok=(200, 302), writes=False, reason=MINE),
    Case("reports:children", "GET", OWN, reason="the caller's own division's children"),
    Case("reports:completeness", "GET", OWN, reason="province-wide counts per level, no record"),
    Case("reports:deadlines", "GET", OWN, reason="the deadlines per level are the same for all"),
    Case("reports:deadlines", "POST", OWN, ok=(200, 302, 403), writes=False, reason=MINE),
    Case("reports:detail", "GET", SCOPED, report_page),
    Case("reports:summaries", "GET", LIST, summary_listed),
    Case(
        "reports:summaries",
        "POST",
        OWN,
        summary_new,
        ok=(302,),
        reason="generates the summary of the caller's own division",
    ),
    Case("reports:summary_download", "GET", SCOPED, summary_file),
    Case("reports:approve", "POST", SCOPED, review, ok=EITHER, writes=False),
    Case("reports:return", "POST", SCOPED, review, ok=EITHER, writes=False),
    Case("reports:reopen", "POST", SCOPED, approved, ok=EITHER, writes=False),
    Case("reports:missing", "POST", SCOPED, missing, ok=EITHER, writes=False),
    Case("reports:answer", "POST", SCOPED, problem, ok=EITHER, writes=False),
    Case("reports:pass_up", "POST", SCOPED, problem, ok=EITHER, writes=False),
    Case("GET /api/reports/mine", "GET", OWN, ok=(200, 404), reason=MINE),
    Case("PUT /api/reports/mine", "PUT", OWN, ok=(200, 400, 422), writes=False, reason=MINE),
    Case(
        "POST /api/reports/mine/submit",
        "POST",
        OWN,
        ok=(201, 400, 409, 422),
        writes=False,
        reason=MINE,
    ),
    Case("GET /api/reports/children", "GET", OWN, reason="the caller's own division's children"),
    Case("GET /api/reports/{pk}", "GET", SCOPED, report_page),
    Case("GET /api/reports/summaries", "GET", LIST, summary_listed),
    Case(
        "GET /api/reports/rollup",
        "GET",
        OWN,
        reason="the figures of the caller's own subtree, computed from its records",
    ),
    Case(
        "POST /api/reports/summaries",
        "POST",
        OWN,
        summary_new,
        ok=(201,),
        reason="generates the summary of the caller's own division",
    ),
    Case("GET /api/reports/summaries/{pk}/{fmt}", "GET", SCOPED, summary_file),
    Case("POST /api/reports/{pk}/approve", "POST", SCOPED, review, ok=EITHER_API, writes=False),
    Case("POST /api/reports/{pk}/return", "POST", SCOPED, review, ok=EITHER_API, writes=False),
    Case("POST /api/reports/{pk}/reopen", "POST", SCOPED, approved, ok=EITHER_API, writes=False),
    Case("POST /api/reports/missing", "POST", SCOPED, missing_api, ok=(201, 400), writes=False),
    Case("GET /api/reports/completeness", "GET", OWN, reason="counts per level, no record"),
    Case("GET /api/reports/completeness/trend", "GET", OWN, reason="counts per level, no record"),
    Case("GET /api/reports/deadlines", "GET", OWN, reason="the same deadlines for all"),
    Case(
        "PUT /api/reports/deadlines/{level}",
        "PUT",
        OWN,
        deadline,
        ok=(200, 400, 403),
        writes=False,
        reason=MINE,
    ),
]
