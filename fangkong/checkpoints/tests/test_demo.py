"""The demo's checkpoints: two sites of 南关区 with days of passages, flagged travellers going to
华阳社区's grids, all written through the module's own actions."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import SimpleNamespace

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.checkpoints.choices import HandoverStatus, SiteKind
from fangkong.checkpoints.demo import load_checkpoints
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.people.idcard import parse_resident_id


def test_the_demo_loads_two_sites_with_passages_once(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    # given the demo county and its staff
    kakou = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")

    # when the demo loads its checkpoints
    created = load_checkpoints(random.Random(2020))

    # then there are a city-rural fringe site and a station in 南关区, with days of passages
    sites = list(Checkpoint.objects.order_by("name"))
    assert {s.kind for s in sites} == {SiteKind.URBAN_FRINGE, SiteKind.BUS_STATION}
    assert all(s.division_path.startswith(tree.nanguan.path) for s in sites)
    assert created == Passage.objects.count() > 40
    assert Passage.objects.filter(registered_by=kakou).count() == created
    days = {p.passed_at.date() for p in Passage.objects.all()}
    assert len(days) >= 3
    # ... travellers from Hubei, and with fever, those routed to 华阳社区's grids
    people = PassagePerson.objects.all()
    assert people.filter(origin_code__startswith="42").exists()
    for entry in people:
        parse_resident_id(entry.doc_number)  # every number passes GB 11643
    assert any("fever" in entry.flag_reasons for entry in people)
    assert all(h.destination_path.startswith(tree.huayang.path) for h in Handover.objects.all())
    # ... older ones handled, the latest still to do
    assert Handover.objects.filter(status=HandoverStatus.HANDLED).exists()
    assert Handover.objects.filter(status=HandoverStatus.PENDING).exists()

    # and loading again adds nothing
    assert load_checkpoints(random.Random(2020)) == 0
    assert Passage.objects.count() == created
