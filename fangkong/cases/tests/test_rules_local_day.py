"""The rules compare dates in Beijing time: a fever clinic deciding at 06:00 on 7 February
(22:00 UTC on the 6th) diagnoses on the 7th, and an onset that day is not "after the
diagnosis"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.cases import rules
from fangkong.core.errors import ActionError

BEIJING = ZoneInfo("Asia/Shanghai")


def test_an_onset_the_same_local_day_before_eight_is_not_after_the_diagnosis() -> None:
    with time_machine.travel(dt.datetime(2020, 2, 7, 6, 0, tzinfo=BEIJING), tick=False):
        now = timezone.now()
        assert now.date() == dt.date(2020, 2, 6)  # the UTC date is still the day before
        rules.check_onset(dt.date(2020, 2, 7), now)
        with pytest.raises(ActionError) as refused:
            rules.check_onset(dt.date(2020, 2, 8), now)
        assert refused.value.code == "onset_after_diagnosis"
        assert "2020-02-07" in str(refused.value.message)
