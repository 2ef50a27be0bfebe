"""The real 2020 epidemic of Jilin province, loaded as imported counts.

``data/jilin-city-daily-cumulative-2020.csv`` (repository canghailan/Wuhan-2019-nCoV, MIT; see
``data/README.md``) holds, for every day from 2020-01-20 to 2020-12-08, the cumulative confirmed,
cured and dead cases of the province (rows with an empty city) and of its cities. :func:`load`
maps it to our divisions and imports the confirmed counts through the same path as any import
(``warning.imports.import_counts``, cumulative rows, as the system itself: ``actor=None``):

==========================  ===================================================================
source                      our series
==========================  ===================================================================
220100 长春市 … 222400 延边  the prefecture's ``confirmed_local`` (2201… 2224 00000000)
220381 / 136100 公主岭       ``confirmed_local`` of 公主岭市, 220184000000 (today under 长春市;
                            the source names it 220381 until 2020-03-04, 136100 from 03-05: one
                            series)
220581 / 220a61 梅河口       ``confirmed_local`` of 梅河口市, 220581000000 (220581 until 03-04,
                            220a61 from 03-05)
2200y0 境外输入              the province's ``confirmed_imported`` (cases from abroad)
empty city (province total)  the province's ``confirmed_local``: the total minus the imported
                            total of the same day (0 before the imported series starts)
2200xx, "" 未公布来源        not loaded: cases not yet attributed to a city (in the total only)
==========================  ===================================================================

What the data holds (read from the file; ``test_epidemic2020.py`` checks the figures):

- *No missing day inside a series*: each series is daily from its first row (the city's first
  case, or 0 rows from 2020-01-20 for the province) to 2020-12-08. A series simply starts late.
- *Totals that go down*: 吉林市 5 → 4 on 2020-02-05 and 4 → 3 on 02-06, 公主岭 4 → 3 on 02-06
  (cases reassigned between cities), and the province's local series (total minus imported)
  nine times between 2020-03-26 and 04-27, by one or two, on the days when an imported case
  was counted in the imported total before (or instead of) the province total. Each is a
  correction: taken from the days before, flagged ``adjusted`` (``warning.imports``); 12 in all.
- *The cities do not always add up to the total*: from 2020-01-31 to 02-06 the total exceeds
  the cities' sum by one to five cases not yet attributed, and 未公布来源 holds one case on
  02-19 and from 05-17 to 05-30; the province's series is the total's, so it is right, and a
  city's is what the city reported.
- 公主岭 and 梅河口 are reported apart from 四平市 and 通化市 (四平's 15 on 2020-02-29 excludes
  公主岭's 6): the province's 93 on 2020-02-29 is the sum of the nine prefectures, 公主岭 and
  梅河口. Our 长春市 series is the source's 长春市 (without 公主岭, which 2020 placed under
  四平市), so the imported series of a city are as reported, not rolled up.

A division not in the tree (a demo or test tree without every city) is skipped and named in
the result. Loading again replaces the same rows (the import is idempotent).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fangkong.regions.models import Division
from fangkong.warning import imports
from fangkong.warning.choices import Indicator

if TYPE_CHECKING:
    from fangkong.accounts.models import User

DATA = Path(__file__).parent / "data" / "jilin-city-daily-cumulative-2020.csv"

PROVINCE = "220000000000"
IMPORTED = "2200y0"
# The source's city codes that are not the 12-digit code padded (the others are).
CODES = {
    "220381": "220184000000",  # 公主岭 until 2020-03-04
    "136100": "220184000000",  # 公主岭 from 2020-03-05
    "220a61": "220581000000",  # 梅河口 from 2020-03-05
}
UNATTRIBUTED = {"2200xx", ""}  # 未公布来源 (the empty code with a city name)


def read(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rows_from(source: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The source's rows as import rows (cumulative confirmed), mapped to our codes."""
    out: list[dict[str, Any]] = []
    totals: dict[dt.date, int] = {}
    imported: dict[dt.date, int] = {}
    for r in source:
        day = dt.date.fromisoformat(r["date"])
        code, city, confirmed = r["city_code"].strip(), r["city"].strip(), int(r["confirmed"])
        if not code and not city:
            totals[day] = confirmed
        elif code == IMPORTED:
            imported[day] = confirmed
            out.append(_row(PROVINCE, day, Indicator.CONFIRMED_IMPORTED, confirmed))
        elif code in UNATTRIBUTED:
            continue
        else:
            out.append(_row(CODES.get(code, code.ljust(12, "0")), day, Indicator.CONFIRMED_LOCAL,
                            confirmed))  # fmt: skip
    last_imported = 0
    for day in sorted(totals):
        last_imported = imported.get(day, last_imported)  # carried over a missing day
        out.append(
            _row(PROVINCE, day, Indicator.CONFIRMED_LOCAL, max(totals[day] - last_imported, 0))
        )
    return out


def _row(code: str, day: dt.date, indicator: str, value: int) -> dict[str, Any]:
    return {"division": code, "date": day, "indicator": indicator, "value": value,
            "kind": imports.CUMULATIVE}  # fmt: skip


def load(*, actor: User | None = None, path: Path = DATA) -> dict[str, Any]:
    """Import the 2020 series (module docstring); returns the import's counts and the codes
    skipped because the tree has no such division."""
    rows = rows_from(read(path))
    codes = {r["division"] for r in rows}
    present = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
    skipped: dict[str, int] = defaultdict(int)
    kept = []
    for row in rows:
        if row["division"] in present:
            kept.append(row)
        else:
            skipped[row["division"]] += 1
    result = imports.import_counts(actor=actor, rows=kept, origin=path.name)
    return {
        "rows": result.rows,
        "series": result.series,
        "corrections": result.corrections,
        "adjusted": result.adjusted,
        "skipped": sorted(skipped),
    }
