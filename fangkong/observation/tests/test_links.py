"""The personal check-in link: a signed token, no account, one observation, while it runs.

Whatever the token, the answer is the page (200), a redirect after a check-in (302), or the
"link does not work" page (404) — never a server error.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from fangkong.observation import actions, links
from fangkong.observation.choices import Source
from fangkong.observation.models import CheckIn, Observation
from fangkong.screening.tests.factories import observe, today


def url(token: str) -> str:
    return reverse("observation:personal", args=[token])


def post(client: Client, token: str, temperature: str = "36.6", key: Any = None) -> Any:
    data = {"temperature": temperature, "client_uuid": str(key or uuid.uuid4())}
    return client.post(url(token), data)


@pytest.fixture
def observation(tree: SimpleNamespace) -> Observation:
    return observe(tree.grid1, name="赵敏明", exposure_days_ago=3)


def test_the_person_checks_in_without_an_account(observation: Observation) -> None:
    client = Client()
    token = links.make_token(observation)
    # when the person opens their link
    page = client.get(url(token))
    # then they see their name masked, which day of the observation it is, and the form
    assert page.status_code == 200
    text = page.content.decode()
    assert "赵*明" in text and "赵敏明" not in text
    assert page.context["day_number"] == 4
    assert 'name="temperature"' in text
    # when they send today's temperature
    sent = post(client, token, "37.9")
    # then it is stored as their own check-in, and the page says it is in
    assert sent.status_code == 302
    stored = CheckIn.objects.get(observation=observation)
    assert (stored.day, stored.source, stored.created_by) == (today(), Source.SELF, None)
    again = client.get(sent["Location"])
    assert again.status_code == 200
    assert f'data-checked-in="{today().isoformat()}"' in again.content.decode()
    assert 'name="temperature"' not in again.content.decode()


def test_a_double_submission_is_stored_once_and_a_second_check_in_is_refused(
    observation: Observation,
) -> None:
    client = Client()
    token = links.make_token(observation)
    key = uuid.uuid4()
    assert post(client, token, key=key).status_code == 302
    assert post(client, token, key=key).status_code == 302  # the same form sent twice
    second = post(client, token, "36.9")  # another form, the same day
    assert second.status_code == 200
    assert second.context["form"].errors
    assert CheckIn.objects.filter(observation=observation).count() == 1


def test_a_bad_temperature_is_a_form_error(observation: Observation) -> None:
    answer = post(Client(), links.make_token(observation), "45")
    assert answer.status_code == 200
    assert "temperature" in answer.context["form"].errors
    assert not CheckIn.objects.exists()


def tampered(token: str) -> str:
    value, timestamp, signature = token.rsplit(":", 2)
    flipped = "A" if signature[0] != "A" else "B"
    return f"{value}:{timestamp}:{flipped}{signature[1:]}"


def assert_link_refused(token: str, reason: str) -> None:
    client = Client()
    for answer in (client.get(url(token)), post(client, token)):
        assert answer.status_code == 404, token
        assert f'data-link="{reason}"' in answer.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda o: tampered(links.make_token(o)), id="tampered signature"),
        pytest.param(
            lambda o: links.make_token(o).replace(f"{o.pk}:", f"{o.pk + 1}:", 1), id="other id"
        ),
        pytest.param(lambda o: "garbage", id="garbage"),
        pytest.param(lambda o: "1:2:3", id="three parts"),
        pytest.param(lambda o: "x" * 500, id="very long"),
        pytest.param(
            lambda o: signing.TimestampSigner().sign(f"{o.pk}:{o.link_nonce}"), id="wrong salt"
        ),
        pytest.param(
            lambda o: signing.TimestampSigner(salt=links.SALT).sign(f"{o.pk}"), id="no nonce"
        ),
        pytest.param(
            lambda o: signing.TimestampSigner(salt=links.SALT).sign(f"x:{o.link_nonce}"),
            id="not a number",
        ),
    ],
)
def test_a_bad_token_answers_404(observation: Observation, make: Any) -> None:
    assert_link_refused(make(observation), "invalid")


def test_a_link_opens_only_its_own_observation(tree: SimpleNamespace) -> None:
    mine, other = observe(tree.grid1, name="甲"), observe(tree.grid1, name="乙")
    # a validly signed token naming one observation with the other's nonce
    crossed = signing.TimestampSigner(salt=links.SALT).sign(f"{other.pk}:{mine.link_nonce}")
    assert_link_refused(crossed, "invalid")
    assert Client().get(url(links.make_token(other))).context["observation"] == other


def test_a_rotated_link_stops_working(observation: Observation) -> None:
    old = links.make_token(observation)
    actions.rotate_link(actor=None, observation=observation)
    assert_link_refused(old, "invalid")
    observation.refresh_from_db()
    assert Client().get(url(links.make_token(observation))).status_code == 200


def test_the_link_of_an_ended_observation_does_not_work(observation: Observation) -> None:
    token = links.make_token(observation)
    actions.refer_observation(actor=None, observation=observation, note="发热")
    assert_link_refused(token, "expired")


def test_the_link_expires_the_day_after_the_end_date(tree: SimpleNamespace) -> None:
    # given an observation that ended two days ago but was never closed
    overdue = observe(tree.grid1, exposure_days_ago=16, started_days_ago=16)
    assert links.deadline(overdue) < links.deadline(observe(tree.grid1, name="新"))
    assert_link_refused(links.make_token(overdue), "expired")


def test_a_link_made_long_ago_expires_at_the_deadline(
    observation: Observation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a link whose signature says it was made a year before the deadline
    deadline = links.deadline(observation).timestamp()
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: deadline - 365 * 86400))
    token = links.make_token(observation)
    monkeypatch.undo()
    # then it still works today (the deadline, not its age, decides) ...
    assert Client().get(url(token)).status_code == 200
    # ... and not after the deadline
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: deadline + 1))
    assert_link_refused(token, "expired")
