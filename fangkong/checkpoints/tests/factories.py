"""Small factories for tests that need a flagged traveller waiting at a grid (the browser tests
of the grid worker's day, the taps count, the accessibility walk)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import Direction, SiteKind
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Handover
from fangkong.people.idcard import compose_resident_id
from fangkong.regions.models import Division

ZHOU_QIANG_ID = compose_resident_id("420106", dt.date(1985, 6, 1), 135)


def flag_traveller_from_wuhan(county: Division, grid: Division, *, actor: Any = None) -> Handover:
    """周强 from 武汉 (a key area), registered at 幸福乡绕城高速卡口 of ``county`` and handed over
    to ``grid``: the hand-over waiting there."""
    checkpoint = actions.create_checkpoint(
        actor=None,
        division=county,
        name="幸福乡绕城高速卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.3921"),
        latitude=Decimal("43.7764"),
    )
    actions.register_passage(
        actor=actor,
        checkpoint=checkpoint,
        passage=PassageInput(
            direction=Direction.IN,
            plate="鄂A·D1234",
            people=[
                PersonInput(
                    "周强",
                    "resident_id",
                    ZHOU_QIANG_ID,
                    "13907270001",
                    "36.6",
                    origin_code="420106",
                    destination=grid.code,
                    destination_detail="华阳小区8栋",
                )
            ],
        ),
    )
    return Handover.objects.get(entry__passage__checkpoint=checkpoint)
