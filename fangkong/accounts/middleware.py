"""The account policy applied to every request of a logged-in browser session.

- A session ends 30 minutes after its last request (FANGKONG_SESSION_IDLE_MINUTES) and 8 hours
  after the login (SESSION_COOKIE_AGE), whichever comes first; the end is audited.
- Right after the password, a user with a second factor enters its code, and one who must have a
  second factor (accounts.roles.SECOND_FACTOR_ROLES, FANGKONG_REQUIRE_2FA) and has none enrols one;
  nothing else opens until then.
- A password an administrator set, or one past its age (FANGKONG_PASSWORD_MAX_AGE_DAYS), is
  changed on the account page before anything else.

API tokens are not sessions and are not affected. A browser session that has not passed these
steps is anonymous to the API (401). What the login left to do is decided once, when the session
is made (:func:`start_session`, connected to ``user_logged_in``, which both the login view and the
test client's ``force_login`` send), so an ordinary request costs no query here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware

LOGIN_AT = "fangkong_login_at"
SEEN_AT = "fangkong_seen_at"
PENDING = "fangkong_pending"  # "verify" or "enrol": the second factor still to come
TOUCH_EVERY = 60  # seconds: the last-seen time is saved at most this often

# What a session may open while a step is pending (URL names).
ALWAYS = {"accounts:logout", "set_language"}
STEP_PAGES = {
    "verify": {"accounts:otp_verify"},
    "enrol": {"accounts:otp_enrol"},
    "password": {"accounts:profile"},
}
STEP_URLS = {"verify": "accounts:otp_verify", "enrol": "accounts:otp_enrol"}


def pending_second_factor(user: Any) -> str | None:
    """What this user has to do with a second factor right after the password, if anything."""
    from django_otp import user_has_device

    from fangkong.accounts.twofactor import second_factor_required

    if user_has_device(user, confirmed=True):
        return "verify"
    if second_factor_required(user):
        return "enrol"
    return None


def start_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On every login: the clock of the session and the second-factor step still to come."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    step = None if getattr(user, "otp_device", None) else pending_second_factor(user)
    if step:
        session[PENDING] = step
    else:
        session.pop(PENDING, None)


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _session_over(request: HttpRequest, now: int) -> str | None:
    session = request.session
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        # A session from before this policy: start its clocks now.
        session[LOGIN_AT] = login_at or now
        session[SEEN_AT] = now
        return None
    if now - int(login_at) > settings.SESSION_COOKIE_AGE:
        return "absolute"
    if now - int(seen_at) > settings.FANGKONG_SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - int(seen_at) >= TOUCH_EVERY:
        session[SEEN_AT] = now
    return None


def has_session_cookie(request: HttpRequest) -> bool:
    """Whether the request carries a browser session at all. A machine terminal sending a bearer
    token has none: nothing here applies to it, and not touching ``request.user`` spares it the
    session lookup on every one of its hundreds of requests a second."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class SessionOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (the second factor a session has passed), for requests with a
    session only: a request without one has no session user to verify."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_session_cookie(request):
            return self.get_response(request)
        return super().__call__(request)


class AccountPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_session_cookie(request):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        over = _session_over(request, int(time.time()))
        if over is not None:
            from fangkong.accounts.actions import record_session_end

            record_session_end(user=user, reason=over)
            logout(request)
            if is_api:
                return self.get_response(request)
            if over == "idle":
                minutes = settings.FANGKONG_SESSION_IDLE_MINUTES
                text = _("You were logged out after %(minutes)d minutes without activity.") % {
                    "minutes": minutes
                }
            else:
                hours = settings.SESSION_COOKIE_AGE // 3600
                text = _("You were logged out: a session lasts at most %(hours)d hours.") % {
                    "hours": hours
                }
            messages.info(request, text)
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
        step = request.session.get(PENDING)
        if step is None and self._must_change_password(user):
            step = "password"
        if step is None:
            return self.get_response(request)
        if is_api:
            # The browser session does not count until the login is complete; a token still does.
            request.user = AnonymousUser()
            return self.get_response(request)
        name = _url_name(request)
        if name in ALWAYS or name in STEP_PAGES.get(step, set()):
            return self.get_response(request)
        if step == "password":
            messages.warning(
                request,
                _(
                    "Your password was set by an administrator or has expired: choose a new one "
                    "before you continue."
                ),
            )
            return redirect("accounts:profile")
        return redirect(f"{reverse(STEP_URLS[step])}?{urlencode({'next': request.path})}")

    @staticmethod
    def _must_change_password(user: Any) -> bool:
        from fangkong.accounts.passwords import password_expired

        return bool(getattr(user, "password_change_required", False)) or password_expired(user)
