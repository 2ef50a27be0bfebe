"""The demo's daily reports: 14 days up the demo county's chain through the reports actions,
approved level by level, late ones marked, one returned; today only partly in."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from fangkong.demo.command import load_command
from fangkong.demo.reports import DAYS, NOT_IN_DEMO, load_reports
from fangkong.reports.choices import State
from fangkong.reports.models import DailyReport, ExpectedDay


def test_fourteen_days_up_the_chain_and_today_partly_in(tree: SimpleNamespace) -> None:
    load_command(county_code=tree.nanguan.code)
    made = load_reports(county_code=tree.nanguan.code)
    today = timezone.localdate()
    assert made > 0
    yesterday = today - dt.timedelta(days=1)
    # every past day the province submitted, after every level below was approved
    for back in range(1, DAYS):
        day = today - dt.timedelta(days=back)
        province = DailyReport.objects.get(division=tree.province, day=day)
        assert province.state == State.SUBMITTED
        for division in (tree.huayang, tree.hengan, tree.nanling, tree.nanguan, tree.changchun):
            assert DailyReport.objects.get(division=division, day=day).state == State.APPROVED
        missing = DailyReport.objects.get(division=tree.jilin_city, day=day)
        assert missing.state == State.MISSING and missing.missing_reason == NOT_IN_DEMO
    # the street is late every day (the fifth street rule, it is the first)
    assert DailyReport.objects.get(division=tree.nanling, day=yesterday).late
    # the figures come from the records, the arrangements from the leading group's roster
    report = DailyReport.objects.get(division=tree.huayang, day=yesterday)
    assert "screened" in report.figures and report.arrangements.exists()
    # today: 华阳社区's report returned with a reason, 恒安社区's waiting for the street
    returned = DailyReport.objects.get(division=tree.huayang, day=today)
    assert returned.state == State.RETURNED and returned.return_reason
    assert DailyReport.objects.get(division=tree.hengan, day=today).state == State.SUBMITTED
    assert not DailyReport.objects.filter(division=tree.nanling, day=today).exists()
    # completeness kept by the actions
    villages = ExpectedDay.objects.get(level=5, day=yesterday)
    assert villages.approved == 2 and villages.submitted == 2
    # once
    assert load_reports(county_code=tree.nanguan.code) == 0
