"""The jurisdiction-matrix entries of checkpoints (卡口):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fangkong.checkpoints import actions as checkpoint_actions
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, Handover, Passage
from fangkong.core.tests.endpoints import (
    LIST,
    NO_SUCH_DIVISION,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
    exported,
    form,
)
from fangkong.people.choices import DocType


def _checkpoint(w: World, active: bool = True) -> Checkpoint:
    """A fresh checkpoint run by 南关区 (a county: the sibling caller sits at 昌邑区)."""
    checkpoint = checkpoint_actions.create_checkpoint(
        actor=None,
        division=w.tree.nanguan,
        name=w.name("矩阵卡口"),
        kind="urban_fringe",
        longitude=Decimal("125.39"),
        latitude=Decimal("43.78"),
    )
    if not active:
        checkpoint = checkpoint_actions.close_checkpoint(actor=None, checkpoint=checkpoint)
    return checkpoint


def _traveller(w: World, name: str | None = None, fever: bool = False) -> dict[str, Any]:
    return {
        "name": name or w.name("矩阵旅客"),
        "doc_type": DocType.RESIDENT_ID.value,
        "doc_number": w.id_number(),
        "phone": w.phone(),
        "temperature": "38.2" if fever else "36.5",
        "origin_code": "2201",
        "destination": w.tree.grid1.code,
    }


def _plate(w: World) -> str:
    return f"吉A{w.number():05d}"


def _passage(w: World, fever: bool = False) -> tuple[Passage, str]:
    """A passage at a fresh checkpoint; with ``fever``, its traveller is handed to 第一网格."""
    name = w.name("矩阵旅客")
    registered, _created = checkpoint_actions.register_passage(
        actor=None,
        checkpoint=_checkpoint(w),
        passage=PassageInput(
            direction="in", plate=_plate(w), people=[PersonInput(**_traveller(w, name, fever))]
        ),
    )
    return registered, name


def checkpoint_listed(w: World) -> Target:
    checkpoint = _checkpoint(w)
    return Target(home=w.tree.nanguan, marker=checkpoint.name)


def checkpoint_record(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk})


def closed_checkpoint(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w, active=False).pk})


def _site_fields(w: World) -> dict[str, Any]:
    return {
        "name": w.name("矩阵新卡口"),
        "kind": "bus_station",
        "division": w.tree.nanguan.code,
        "longitude": "125.33",
        "latitude": "43.86",
        "note": "",
    }


def checkpoint_new_form(w: World) -> Target:
    data = _site_fields(w)
    return Target(home=w.tree.nanguan, data=data, absent={**data, "division": NO_SUCH_DIVISION})


def checkpoint_new_api(w: World) -> Target:
    return Target(home=w.tree.nanguan, data=_site_fields(w))


def checkpoint_edit(w: World) -> Target:
    return Target(
        home=w.tree.nanguan,
        args={"pk": _checkpoint(w).pk},
        data={**_site_fields(w), "name": w.name("矩阵改名卡口")},
    )


def checkpoint_close(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk}, data={"reason": "矩阵撤点"})


def checkpoint_tokens_form(w: World) -> Target:
    """Bind a terminal's token (its user at 南关区) to a fresh checkpoint of 南关区."""
    token = w.token(w.user(w.tree.nanguan))
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk}, data={"tokens": [token.pk]})


def passage_form(w: World) -> Target:
    person = {**_traveller(w), "origin": "22", "origin_detail": "长春市"}
    person.pop("origin_code")
    data = {
        "uuid": str(uuid.uuid4()),
        "plate": _plate(w),
        "direction": "in",
        "passed_at": "",
        "people-TOTAL_FORMS": "1",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "60",
        **{f"people-0-{k}": v for k, v in person.items()},
    }
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk}, data=data)


def passage_api(w: World) -> Target:
    body = {
        "checkpoint": _checkpoint(w).pk,
        "uuid": str(uuid.uuid4()),
        "plate": _plate(w),
        "direction": "in",
        "people": [_traveller(w, fever=True)],
    }
    return Target(home=w.tree.nanguan, data=body)


def passage_batch(w: World) -> Target:
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "direction": "in",
            "plate": _plate(w),
            "people": [_traveller(w)],
        }
        for _ in range(2)
    ]
    return Target(home=w.tree.nanguan, data={"checkpoint": _checkpoint(w).pk, "passages": records})


def passage_listed(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, marker=registered.plate)


def passages_at(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, query={"checkpoint": str(registered.checkpoint_id)})


def passage_record(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, args={"pk": registered.pk})


def flagged_listed(w: World) -> Target:
    """A feverish traveller handed to 第一网格: in its to-do list (the sibling: 东市场's grid)."""
    _registered, name = _passage(w, fever=True)
    return Target(home=w.tree.grid1, marker=name)


def flagged_record(w: World) -> Target:
    registered, _name = _passage(w, fever=True)
    handover = Handover.objects.get(entry__passage=registered)
    data = {"outcome": "visited", "note": "矩阵核实"}
    return Target(home=w.tree.grid1, args={"pk": handover.pk}, data=data)


CASES: list[Case] = [
    # checkpoints (卡口)
    Case("checkpoints:list", "GET", LIST, checkpoint_listed),
    Case("checkpoints:create", "GET", OWN, reason="an empty form; the division is checked on POST"),
    Case("checkpoints:create", "POST", SCOPED, checkpoint_new_form, ok=(302,), form_ref=True),
    Case("checkpoints:detail", "GET", SCOPED, checkpoint_record),
    *form("checkpoints:edit", checkpoint_edit),
    *form("checkpoints:close", checkpoint_close),
    *form("checkpoints:tokens", checkpoint_tokens_form),
    Case("checkpoints:reopen", "POST", SCOPED, closed_checkpoint, ok=(302,)),
    *form("checkpoints:register", passage_form),
    # pieces of the registration form (htmx): a person row, destination suggestions drawn from
    # the whole province (division names, nobody's data), the same for every caller
    Case(
        "checkpoints:person_row", "GET", OWN, reason="an empty person row of the registration form"
    ),
    Case(
        "checkpoints:destinations",
        "GET",
        OWN,
        reason="division names of the whole province, nobody's data",
    ),
    Case("checkpoints:passages", "GET", LIST, passage_listed),
    Case("checkpoints:passages", "GET", SCOPED, passages_at, variant="checkpoint"),
    Case("checkpoints:passage", "GET", SCOPED, passage_record),
    # the destination's side: scoped by where the flagged traveller is going
    Case("checkpoints:todo", "GET", LIST, flagged_listed),
    *form("checkpoints:handle", flagged_record),
    Case("checkpoints:reveal", "POST", SCOPED, flagged_record),  # audited
    # REST API: checkpoints
    Case("GET /api/checkpoints", "GET", LIST, checkpoint_listed),
    Case("POST /api/checkpoints", "POST", SCOPED, checkpoint_new_api, ok=(201,)),
    Case("GET /api/checkpoints/{pk}", "GET", SCOPED, checkpoint_record),
    Case("PUT /api/checkpoints/{pk}/tokens", "PUT", SCOPED, checkpoint_tokens_form),
    Case("POST /api/passages", "POST", SCOPED, passage_api, ok=(201,)),
    Case("POST /api/passages/batch", "POST", SCOPED, passage_batch),
    Case("GET /api/passages", "GET", LIST, passage_listed),
    Case("GET /api/passages", "GET", SCOPED, passages_at, variant="checkpoint"),
    Case("GET /api/passages/{pk}", "GET", SCOPED, passage_record),
    Case("GET /api/todo/passages", "GET", LIST, flagged_listed),
    Case("POST /api/todo/passages/{pk}/handle", "POST", SCOPED, flagged_record),
    Case("bulk:export", "GET", LIST, exported("passages", passage_listed), variant="passages"),
    Case("bulk:export", "GET", LIST, exported("handovers", flagged_listed), variant="handovers"),
]
