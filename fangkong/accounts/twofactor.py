"""The second factor (TOTP with django-otp, recovery codes as django-otp static tokens): who must
have one, and the enrolment QR code. The writes are in ``accounts.actions``."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.conf import settings

from fangkong.accounts.roles import SECOND_FACTOR_ROLES, group_name

RECOVERY_CODES = 10


def second_factor_required(user: Any) -> bool:
    """The administrators and the command offices from the county up must log in with a second
    factor, unless FANGKONG_REQUIRE_2FA is off (``make demo``)."""
    if not settings.FANGKONG_REQUIRE_2FA or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = [group_name(r) for r in SECOND_FACTOR_ROLES]
    return bool(user.groups.filter(name__in=names).exists())


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG data URL (an <img>: the page's CSP allows data: images)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def secret_base32(device: Any) -> str:
    """The key as people type it into an authenticator app by hand."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
