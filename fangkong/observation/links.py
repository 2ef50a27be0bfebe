"""The personal check-in link: a signed token that needs no account.

The token signs "<observation id>:<nonce>" with a :class:`~django.core.signing.TimestampSigner`
whose salt is used for nothing else. It opens that one observation, and only while it is
active and not later than the day after its end date (``max_age`` is counted from when the link
was made to that day). Rotating the nonce (``actions.rotate_link``) invalidates every link given
out before. A bad, tampered, expired or superseded token raises :class:`LinkInvalid`, which the
view answers with a 404 page, never a server error.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils import timezone

from fangkong.observation.models import Observation

SALT = "fangkong.observation.check-in-link"
MAX_TOKEN_LENGTH = 200


class LinkInvalid(Exception):
    """The token does not open an observation; ``expired`` tells a late link from a bad one."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(observation: Observation) -> str:
    return _signer().sign(f"{observation.pk}:{observation.link_nonce}")


def deadline(observation: Observation) -> dt.datetime:
    """The moment the link stops working: the end of the day after the end date."""
    last_day = observation.end_date + dt.timedelta(days=1)
    midnight = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight)


def observation_for(token: str) -> Observation:
    """The active observation a token opens, or :class:`LinkInvalid`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid
    signer = _signer()
    try:
        value = signer.unsign(token)  # signature only: which observation, which nonce
        pk_text, nonce = value.split(":", 1)
        pk = int(pk_text)
        issued = dt.datetime.fromtimestamp(
            signing.b62_decode(token.rsplit(signer.sep, 2)[1]), tz=dt.UTC
        )
    except (signing.BadSignature, ValueError):
        raise LinkInvalid from None
    observation = (
        Observation.objects.select_related("person", "grid").filter(pk=pk, link_nonce=nonce).first()
    )
    if observation is None:
        raise LinkInvalid
    try:
        signer.unsign(token, max_age=deadline(observation) - issued)
    except signing.SignatureExpired:
        raise LinkInvalid(expired=True) from None
    except signing.BadSignature:  # pragma: no cover - checked above
        raise LinkInvalid from None
    if not observation.is_active:
        raise LinkInvalid(expired=True)
    return observation
