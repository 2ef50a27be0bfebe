"""The observation period (医学观察期), defined once and shown the same way everywhere.

Medical observation lasts ``OBSERVATION_DAYS`` (14) days from the last exposure (or the arrival
from a key area): the day of the last exposure is day 0, so the person is released on
``last_exposure + 14``. The observation itself starts when the person is found (the screening
day), which may be later than the exposure, so the days actually under observation may be fewer
than 14: the 14 days count from the exposure, not from the start.

Three dates, with the same words on every page, in the API and in the exports:

``start``
    观察开始日 — the first day under observation (``Observation.start_date``).
``last_day``
    最后观察日 — the last day under observation and the last day a check-in is due
    (``end_date - 1``).
``release``
    解除观察日 — the release date (``Observation.end_date``, exclusive: the first day no
    longer under observation).

Pages render it with ``{% load observation_period %}{% observation_period period %}`` (a
description list) or ``{% observation_period period compact=True %}`` (one line, for lists).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fangkong.people.choices import OBSERVATION_DAYS

# The words, once: labels of pages, API descriptions and export headings use these.
START_LABEL = _("Observation start")
LAST_DAY_LABEL = _("Last day under observation")
RELEASE_LABEL = _("Release from observation")


def release_date(last_exposure: dt.date) -> dt.date:
    """The release date (解除观察日) of an observation for an exposure on ``last_exposure``."""
    return last_exposure + dt.timedelta(days=OBSERVATION_DAYS)


@dataclass(frozen=True)
class ObservationPeriod:
    """The period of one observation: ``release`` is exclusive (the day after ``last_day``)."""

    start: dt.date
    release: dt.date
    last_exposure: dt.date | None = None

    @classmethod
    def from_exposure(cls, last_exposure: dt.date, *, start: dt.date) -> ObservationPeriod:
        return cls(start=start, release=release_date(last_exposure), last_exposure=last_exposure)

    @property
    def last_day(self) -> dt.date:
        """The last day under observation: the day before the release date."""
        return self.release - dt.timedelta(days=1)

    @property
    def days_observed(self) -> int:
        """Days under observation from the start to the last day, both included."""
        return max((self.release - self.start).days, 0)

    def day_number(self, day: dt.date) -> int:
        """``day`` as the n-th day under observation (the start is day 1)."""
        return (day - self.start).days + 1
