"""Rt of a division from its indicator series (``warning.rt``): which series it reads, the
province's serial interval, the windows dated by their last day, the children's Rt."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from fangkong.regions.models import Division
from fangkong.warning import cori
from fangkong.warning.choices import Indicator, Source
from fangkong.warning.models import IndicatorDay, Parameters
from fangkong.warning.rt import rt_for, rt_for_children

FIRST = dt.date(2020, 1, 20)
EPIDEMIC = [1, 0, 2, 3, 2, 5, 6, 8, 7, 10, 12, 11, 14, 13, 12, 10, 9, 7, 6, 4, 3, 2]


def put(division: Division, indicator: str, values: list[int], source: str = Source.COMPUTED):
    IndicatorDay.objects.bulk_create(
        IndicatorDay(
            division=division,
            division_path=division.path,
            day=FIRST + dt.timedelta(days=i),
            indicator=indicator,
            source=source,
            value=v,
        )
        for i, v in enumerate(values)
        if v
    )


def test_rt_from_report_dates_matches_cori_with_the_covid_serial_interval(
    tree: SimpleNamespace,
) -> None:
    # given a county's daily confirmed cases by report date, no onsets
    put(tree.nanguan, Indicator.CONFIRMED_LOCAL, EPIDEMIC)
    put(tree.nanguan, Indicator.CONFIRMED_IMPORTED, [0, 0, 1])
    # when its Rt is asked for
    series = rt_for(tree.nanguan)
    # then it says it used report dates and equals EpiEstim's parametric estimate (7.5, 3.4)
    assert series.basis == "report" and series.source == Source.COMPUTED
    n = len(EPIDEMIC)
    want = cori.estimate_r(
        EPIDEMIC, [0, 0, 1] + [0] * (n - 3), cori.parametric_si(7.5, 3.4, n), check=False
    )
    assert series.mean == pytest.approx([e.mean for e in want])
    assert series.upper == pytest.approx([e.q975 for e in want])
    # windows ending on day 8 (the first after the mean SI) … the last day, dated by their end
    assert series.dates[0] == FIRST + dt.timedelta(days=want[0].t_end - 1)
    assert series.dates[-1] == FIRST + dt.timedelta(days=n - 1)
    assert series.latest == series.mean[-1] < 1  # the epidemic is waning at the end


def test_onsets_are_preferred_and_the_provinces_serial_interval_is_used(
    tree: SimpleNamespace,
) -> None:
    put(tree.nanguan, Indicator.CONFIRMED_LOCAL, EPIDEMIC)
    put(tree.nanguan, Indicator.ONSET_LOCAL, [*EPIDEMIC[2:], 1, 0])
    Parameters.objects.create(division=tree.province, division_path=tree.province.path, si_mean=5)
    series = rt_for(tree.nanguan)
    assert series.basis == "onset"
    n = len(EPIDEMIC) - 1  # the onset series ends with a 0 day: no row
    want = cori.estimate_r([*EPIDEMIC[2:], 1], None, cori.parametric_si(5, 3.4, n), check=False)
    assert series.mean == pytest.approx([e.mean for e in want])


def test_imported_national_counts_serve_when_the_records_have_none(tree: SimpleNamespace) -> None:
    put(tree.changchun, Indicator.CONFIRMED_LOCAL, EPIDEMIC, source=Source.IMPORTED)
    assert rt_for(tree.changchun).source == Source.IMPORTED
    # a division without cases has no Rt
    assert rt_for(tree.jilin_city).mean == []


def test_children_rt_in_two_queries(
    tree: SimpleNamespace, django_assert_max_num_queries: object
) -> None:
    put(tree.changchun, Indicator.CONFIRMED_LOCAL, EPIDEMIC, source=Source.IMPORTED)
    put(tree.jilin_city, Indicator.CONFIRMED_LOCAL, EPIDEMIC[:12], source=Source.IMPORTED)
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        children = rt_for_children(tree.province)
    assert set(children) == {tree.changchun.pk, tree.jilin_city.pk}
    # up to a day: nothing after it
    until = FIRST + dt.timedelta(days=10)
    assert rt_for(tree.changchun, until=until).dates[-1] == until
