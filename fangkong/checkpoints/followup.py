"""Following a flagged traveller up with a screening (筛查此人): what the screening form starts
from, read from the hand-over's passage. The write is ``actions.screen_traveller``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from fangkong.checkpoints.choices import SiteKind
from fangkong.checkpoints.models import Handover
from fangkong.people.choices import DocType

# How a traveller arrived, as the screening form's "transport", from where they were registered.
TRANSPORT: dict[str, str] = {
    SiteKind.TRAIN_STATION: "train",
    SiteKind.AIRPORT: "flight",
    SiteKind.BUS_STATION: "coach",
}


@dataclass
class Prefill:
    """The screening form's starting values for a traveller, and what the server keeps: the
    document (never sent to the browser in full: shown masked) and the phone (masked too; used
    when the worker leaves the phone field empty)."""

    initial: dict[str, Any] = field(default_factory=dict)
    place: tuple[str, str] | None = None  # the origin, when it is no province nor key area
    doc_label: str = ""  # "居民身份证 220102********1234"
    masked_phone: str = ""


def arrival_day(handover: Handover) -> dt.date:
    return timezone.localdate(handover.entry.passage.passed_at)


def prefill(handover: Handover) -> Prefill:
    """Person, origin, arrival and destination address as the checkpoint registered them."""
    entry = handover.entry
    passage = entry.passage
    transport = TRANSPORT.get(passage.checkpoint.kind) or ("car" if passage.plate else "")
    initial: dict[str, Any] = {
        "handover": handover.pk,
        "name": entry.name,
        "address": entry.destination_detail,
        "arrival_date": arrival_day(handover),
        "origin_code": "" if entry.origin_abroad else entry.origin_code,
        "origin_name": entry.origin_name,
        "transport": transport,
    }
    place = (entry.origin_code, entry.origin_name) if entry.origin_code else None
    doc = f"{DocType(entry.doc_type).label} {entry.masked_doc_number}"
    return Prefill(initial, place, doc, entry.masked_phone if entry.phone else "")
