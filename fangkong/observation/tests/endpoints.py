"""The jurisdiction-matrix entries of observation (医学观察):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from fangkong.core.tests.endpoints import (
    LIST,
    PUBLIC,
    SCOPED,
    Case,
    Target,
    World,
    exported,
)


def _observation(w: World) -> Any:
    from fangkong.observation.actions import start_observation

    observation, _created = start_observation(
        actor=None,
        person=w.person(w.tree.grid1),
        grid=w.tree.grid1,
        last_exposure=dt.date.today() - dt.timedelta(days=3),
        reason="矩阵：自湖北返回",
    )
    return observation


def observation_record(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"pk": _observation(w).pk})


def observation_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=_observation(w).person.name)


def observation_check_in(w: World) -> Target:
    data = {
        "temperature": "36.6",
        "day": dt.date.today().isoformat(),
        "client_uuid": str(uuid.uuid4()),
    }
    return Target(home=w.tree.grid1, args={"pk": _observation(w).pk}, data=data)


def observation_end(prefix: str) -> Callable[[World], Target]:
    def build(w: World) -> Target:
        data = {f"{prefix}note": "矩阵：解除或转诊", "note": "矩阵：解除或转诊"}
        return Target(home=w.tree.grid1, args={"pk": _observation(w).pk}, data=data)

    return build


def observation_batch(w: World) -> Target:
    item = {"client_uuid": str(uuid.uuid4()), "temperature": 36.6}
    data = {"items": [{**item, "observation_id": _observation(w).pk}]}
    absent = {"items": [{**item, "observation_id": 999_999_999}]}
    return Target(home=w.tree.grid1, data=data, absent=absent)


def personal_link(w: World) -> Target:
    from fangkong.observation.links import make_token

    data = {"temperature": "36.7", "client_uuid": str(uuid.uuid4())}
    return Target(home=w.tree.grid1, args={"token": make_token(_observation(w))}, data=data)


CASES: list[Case] = [
    # medical observation (医学观察)
    Case("observation:list", "GET", LIST, observation_listed),
    Case("observation:detail", "GET", SCOPED, observation_record),
    Case("observation:check_in", "POST", SCOPED, observation_check_in, ok=(302,)),
    Case("observation:release", "POST", SCOPED, observation_end("release-"), ok=(302,)),
    Case("observation:refer", "POST", SCOPED, observation_end("refer-"), ok=(302,)),
    Case("observation:rotate_link", "POST", SCOPED, observation_record, ok=(302,)),
    # the personal check-in link: no account; the signed token decides
    Case(
        "observation:personal",
        "GET",
        PUBLIC,
        personal_link,
        reason="the person's own check-in link: the signed token names the observation",
    ),
    Case(
        "observation:personal",
        "POST",
        PUBLIC,
        personal_link,
        ok=(302,),
        writes=True,
        reason="the person's own check-in link: the signed token names the observation",
    ),
    # REST API: observation
    Case("GET /api/observations", "GET", LIST, observation_listed),
    Case("GET /api/observations/{pk}", "GET", SCOPED, observation_record),
    Case("POST /api/observations/{pk}/check-ins", "POST", SCOPED, observation_check_in, ok=(201,)),
    # one record naming an observation out of scope is rejected like one that does not exist
    Case("POST /api/check-ins/batch", "POST", SCOPED, observation_batch, form_ref=True),
    Case("POST /api/observations/{pk}/release", "POST", SCOPED, observation_end("")),
    Case("POST /api/observations/{pk}/refer", "POST", SCOPED, observation_end("")),
    Case(
        "bulk:export",
        "GET",
        LIST,
        exported("observations", observation_listed),
        variant="observations",
    ),
]
