"""The terminal's batch endpoint: up to 1,000 passages per call, idempotent by each passage's
UUID, every record answered created / duplicate / rejected, one bad record never rejecting
the others."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.checkpoints.tests.conftest import (
    audit_mark,
    audit_since,
    passage,
    person,
    post_json,
    resident_id,
)

URL = "/api/passages/batch"


def batch(checkpoint: Checkpoint, records: list[Any]) -> dict[str, Any]:
    return {"checkpoint": checkpoint.pk, "passages": records}


def many(n: int, people: int = 1) -> list[dict[str, Any]]:
    """``n`` good passages, each with ``people`` travellers (every fifth with a fever)."""
    out = []
    for i in range(n):
        out.append(
            passage(
                plate=f"吉A{i % 100000:05d}",
                people=[
                    person(
                        name=f"旅客{i}-{j}",
                        doc_number=resident_id(
                            birth=f"19{50 + i % 50}0{1 + j}01", sequence=f"{i % 1000:03d}"
                        ),
                        temperature=38.1 if (i % 5 == 0 and j == 0) else 36.4,
                    )
                    for j in range(people)
                ],
            )
        )
    return out


def test_a_batch_is_registered_and_resending_it_creates_nothing(
    t: SimpleNamespace, checkpoint: Checkpoint, terminal: Client
) -> None:
    # given a batch of 200 passages, 40 of them with a feverish traveller
    records = many(200)
    mark = audit_mark()

    # when the terminal sends it
    response = post_json(terminal, URL, batch(checkpoint, records))

    # then every record is created, in order, with its id
    assert response.status_code == 200, response.content[:500]
    out = response.json()
    assert (out["created"], out["duplicates"], out["rejected"]) == (200, 0, 0)
    assert [r["uuid"] for r in out["results"]] == [r["uuid"] for r in records]
    assert [r["index"] for r in out["results"]] == list(range(200))
    assert all(r["status"] == "created" and r["id"] for r in out["results"])
    assert sum(r["flagged"] for r in out["results"]) == 40
    assert Passage.objects.count() == 200 and Handover.objects.count() == 40
    # ... with one audit row for the call
    [event] = audit_since(mark)
    assert event.action == "passage.batch"
    assert event.changes["passages"] == [0, 200] and len(event.changes["ids"][1]) == 200

    # when the terminal, unsure it got through, sends the same batch again
    again = post_json(terminal, URL, batch(checkpoint, records)).json()

    # then every record is a duplicate pointing at the passage already there; nothing is new
    assert (again["created"], again["duplicates"], again["rejected"]) == (0, 200, 0)
    assert [r["id"] for r in again["results"]] == [r["id"] for r in out["results"]]
    assert Passage.objects.count() == 200 and Handover.objects.count() == 40
    assert len(audit_since(mark)) == 1


def test_one_bad_record_does_not_reject_the_batch(
    t: SimpleNamespace, checkpoint: Checkpoint, other_checkpoint: Checkpoint, terminal: Client
) -> None:
    # given good records mixed with bad ones of every kind
    good = many(3)
    taken = passage()
    actions.register_passage(
        actor=None,
        checkpoint=other_checkpoint,
        passage=actions.intake.PassageInput(
            uuid=uuid.UUID(taken["uuid"]),
            direction="in",
            people=[
                actions.intake.PersonInput(
                    "某人",
                    "passport",
                    "E1234567",
                    "13800000000",
                    "36.5",
                    origin_code="22",
                    destination="220202",
                )
            ],
        ),
    )
    records: list[Any] = [
        good[0],
        passage(people=[person(doc_number="220102198001011230")]),  # bad check character
        passage(plate="吉12345", people=[person(temperature=43)]),  # two problems
        good[1],
        {k: v for k, v in passage().items() if k != "uuid"},  # no uuid
        passage(colour="red"),  # an unknown field
        "not a passage",  # not even an object
        passage(passed_at="2099-01-01T00:00:00+08:00"),  # in the future
        {**passage(), "uuid": good[0]["uuid"]},  # the same uuid twice in one call
        passage(people=[person(destination="229999999999")]),  # unknown destination
        taken,  # a uuid another checkpoint already used
        good[2],
    ]
    before = PassagePerson.objects.count()

    # when the terminal sends them
    response = post_json(terminal, URL, batch(checkpoint, records))

    # then the good ones are created and each bad one is rejected with its reasons
    assert response.status_code == 200, response.content[:500]
    out = response.json()
    statuses = [r["status"] for r in out["results"]]
    assert statuses == [
        "created", "rejected", "rejected", "created", "rejected", "rejected", "rejected",
        "rejected", "duplicate", "rejected", "rejected", "created",
    ]  # fmt: skip
    assert (out["created"], out["duplicates"], out["rejected"]) == (3, 1, 8)
    errors = {r["index"]: {(e["field"], e["code"]) for e in r["errors"]} for r in out["results"]}
    assert errors[1] == {("people.0.doc_number", "bad_id_number")}
    assert errors[2] == {
        ("plate", "bad_plate"),
        ("people.0.temperature", "temperature_out_of_range"),
    }
    assert errors[4] == {("uuid", "missing")}
    assert errors[5] == {("colour", "extra_forbidden")}
    assert errors[6] == {("", "model_type")}
    assert errors[7] == {("passed_at", "future_time")}
    assert errors[9] == {("people.0.destination", "unknown_destination")}
    assert errors[10] == {("uuid", "uuid_taken")}
    assert out["results"][8]["id"] == out["results"][0]["id"]
    assert out["results"][6]["uuid"] is None
    # ... and only the three good passages were written
    assert Passage.objects.filter(checkpoint=checkpoint).count() == 3
    assert PassagePerson.objects.count() == before + 3
    assert all(r["errors"][0]["message"] for r in out["results"] if r["status"] == "rejected")


def test_a_batch_of_1001_is_refused_whole_with_a_clear_message(
    checkpoint: Checkpoint, terminal: Client
) -> None:
    before = AuditEvent.objects.count()
    response = post_json(terminal, URL, batch(checkpoint, many(1001)))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "batch_too_large" and "1000" in body["message"]
    assert "1001" in body["message"]
    assert not Passage.objects.exists() and AuditEvent.objects.count() == before


def test_a_full_batch_of_1000_with_several_people_each_fits(
    checkpoint: Checkpoint, terminal: Client
) -> None:
    # given 1,000 passages of five people: more than the 1 MiB other endpoints take
    records = many(1000, people=5)
    raw = json.dumps(batch(checkpoint, records), ensure_ascii=False).encode()
    assert len(raw) > 1024 * 1024

    # when the terminal sends them
    response = terminal.post(URL, data=raw, content_type="application/json")

    # then all are registered
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1000
    assert PassagePerson.objects.count() == 5000


def test_a_body_over_the_batch_limit_is_413(checkpoint: Checkpoint, terminal: Client) -> None:
    from fangkong.checkpoints.api import BATCH_MAX_BODY

    raw = json.dumps({"checkpoint": checkpoint.pk, "passages": ["x" * BATCH_MAX_BODY]})
    response = terminal.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Passage.objects.exists()


def test_malformed_batches(
    checkpoint: Checkpoint, other_checkpoint: Checkpoint, terminal: Client
) -> None:
    assert post_json(terminal, URL, "{").json()["code"] == "bad_json"
    empty = post_json(terminal, URL, {"checkpoint": checkpoint.pk, "passages": []})
    assert empty.status_code == 422
    unknown = post_json(terminal, URL, {**batch(checkpoint, many(1)), "mode": "fast"})
    assert unknown.status_code == 422
    elsewhere = post_json(terminal, URL, batch(other_checkpoint, many(2)))
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "not_found"
    assert not Passage.objects.filter(checkpoint=other_checkpoint).exists()
    assert not Passage.objects.filter(checkpoint=checkpoint).exists()


def test_a_uuid_taken_meanwhile_by_another_checkpoint_rejects_only_that_record(
    checkpoint: Checkpoint,
    other_checkpoint: Checkpoint,
    staff: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given another checkpoint's terminal that registers one of our UUIDs between our check
    # and our write (the race the unique constraint on the UUID settles)
    records = many(2)
    real_write = actions._write
    raced: list[bool] = []

    def racing(actor: Any, site: Checkpoint, prepared: list[Any], source: str) -> Any:
        if not raced:
            raced.append(True)
            Passage.objects.create(
                uuid=prepared[0].uuid,
                checkpoint=other_checkpoint,
                division_path=other_checkpoint.division_path,
                direction="in",
                passed_at=timezone.now(),
                source="api",
            )
        return real_write(actor, site, prepared, source)

    monkeypatch.setattr(actions, "_write", racing)

    # when our batch is written
    results = actions.register_passages(
        actor=staff,
        checkpoint=checkpoint,
        inputs=[
            actions.intake.PassageInput(
                uuid=uuid.UUID(r["uuid"]),
                direction="in",
                plate=r["plate"],
                people=[actions.intake.PersonInput(**p) for p in r["people"]],
            )
            for r in records
        ],
    )

    # then the clashing record is rejected and the other one is written, once
    assert [r.status for r in results] == ["rejected", "created"]
    assert results[0].problems[0].code == "uuid_taken"
    assert Passage.objects.filter(checkpoint=checkpoint).count() == 1
    assert PassagePerson.objects.filter(passage__checkpoint=checkpoint).count() == 1
