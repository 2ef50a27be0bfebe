"""Login, users and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.accounts import actions, throttle
from fangkong.accounts.forms import (
    LoginForm,
    OwnPasswordForm,
    PasswordResetForm,
    RolesForm,
    SecondFactorForm,
    TokenForm,
    UserEditForm,
    UserForm,
)
from fangkong.accounts.middleware import PENDING
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.permissions import AccountsPerm
from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_text_cursor
from fangkong.core.permissions import require

PAGE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        actions.record_login(user=form.get_user())
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        actions.record_login_failure(username=str(self.request.POST.get("username", "")))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            actions.record_logout(user=user_of(request))
        return super().post(request, *args, **kwargs)


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers once an account or an address is locked."""
    return render(request, "accounts/locked.html", status=429)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    # the system administrator manages the accounts, the security administrator their roles
    if not (
        request.user.has_perm(AccountsPerm.MANAGE_USERS)
        or request.user.has_perm(AccountsPerm.ASSIGN_ROLES)
    ):
        raise PermissionDenied
    qs = User.objects.visible_to(request.user).select_related("home_division")
    query = (request.GET.get("q") or "").strip()[:40]
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(full_name__contains=query)
            | Q(home_division__name__contains=query)
        )
    after = parse_text_cursor(request.GET.get("after"))
    if after:
        qs = qs.filter(username__gt=after)
    items = list(qs.order_by("username").prefetch_related("groups")[: PAGE + 1])
    next_after = items[PAGE - 1].username if len(items) > PAGE else None
    return render(
        request,
        "accounts/user_list.html",
        {"items": items[:PAGE], "next_after": next_after, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_USERS)
    home = user_of(request).home_division
    form = UserForm(
        request.POST or None,
        actor=user_of(request),
        initial={"home_division": home.code if home else ""},
    )
    if request.method == "POST" and form.is_valid():
        user = run_action(
            form, lambda: actions.create_user(actor=user_of(request), **form.cleaned_data)
        )
        if user is not None:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_USERS)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    initial = {
        "full_name": user.full_name,
        "phone": user.phone,
        "title": user.title,
        "home_division": user.home_division.code if user.home_division else "",
        "roles": user.roles,
        "is_active": user.is_active,
    }
    form = UserEditForm(request.POST or None, actor=user_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_user(actor=user_of(request), user=user, **form.cleaned_data),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_edit", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "subject": user, "creating": False, "password_form": PasswordResetForm()},
    )


@login_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_USERS)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.reset_password(
                actor=user_of(request), user=user, password=form.cleaned_data["password"]
            ),
        )
        if done is not None:
            messages.success(request, _("Password reset."))
            return redirect("accounts:user_edit", pk=user.pk)
    for error in form.errors.get("password", []) + form.non_field_errors():
        messages.error(request, str(error))
    return redirect("accounts:user_edit", pk=user.pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.POST or None)
    who = str(request.user.pk)
    if request.method == "POST" and throttle.is_blocked(throttle.OLD_PASSWORD, who):
        # after 5 wrong current passwords, even the right one is refused for a while
        return throttle.throttled(request, throttle.OLD_PASSWORD)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.change_own_password(actor=user_of(request), **form.cleaned_data)
        )
        if done is not None:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, done)
            throttle.clear(throttle.OLD_PASSWORD, who)
            messages.success(request, _("Password changed."))
            return redirect("accounts:profile")
        if form.has_error("old_password") and throttle.record_failure(throttle.OLD_PASSWORD, who):
            return throttle.throttled(request, throttle.OLD_PASSWORD)
    return render(request, "accounts/profile.html", _profile_context(request, form))


def _profile_context(request: HttpRequest, form: OwnPasswordForm) -> dict[str, Any]:
    from django_otp import user_has_device

    from fangkong.accounts.twofactor import second_factor_required

    user = user_of(request)
    return {
        "form": form,
        "has_second_factor": user_has_device(user, confirmed=True),
        "second_factor_required": second_factor_required(user),
    }


# --- the second factor ----------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(reverse("core:home"))


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app, or a recovery code."""
    import django_otp

    if request.session.get(PENDING) != "verify":
        return redirect(_next(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = actions.verify_second_factor(
            actor=user_of(request), code=form.cleaned_data["code"]
        )
        if device is not None:
            django_otp.login(request, device)
            request.session.pop(PENDING, None)
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(
                    request,
                    _(
                        "You logged in with a recovery code; it cannot be used again. "
                        "Make new ones on your account page if few are left."
                    ),
                )
            return redirect(_next(request))
        form.add_error(
            "code",
            _(
                "The code is not right, or it was already used. Codes change every 30 "
                "seconds: check the time on your phone."
            ),
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code, type one code to confirm. Also reached
    from the account page to replace the app (a new phone)."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fangkong.accounts.twofactor import qr_svg, secret_base32

    pending = request.session.get(PENDING)
    if pending == "verify":
        return redirect("accounts:otp_verify")
    user = user_of(request)
    form = SecondFactorForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).last()
    if request.method == "POST" and device is not None and form.is_valid():
        done = actions.confirm_totp_enrolment(actor=user, code=form.cleaned_data["code"])
        if done is not None:
            device, codes = done
            django_otp.login(request, device)
            request.session.pop(PENDING, None)
            return render(
                request, "accounts/otp_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "code", _("The code is not right. Scan the QR code again and type the code shown now.")
        )
    if device is None or request.method == "GET":
        device = actions.start_totp_enrolment(actor=user)
        form = SecondFactorForm() if request.method == "GET" else form
    context = {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": secret_base32(device),
        "next": _next(request),
        "pending": pending == "enrol",
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
@require_POST
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    from django_otp import user_has_device

    user = user_of(request)
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:profile")
    codes = actions.renew_recovery_codes(actor=user)
    return render(
        request, "accounts/otp_codes.html", {"codes": codes, "next": reverse("accounts:profile")}
    )


# --- the security administrator ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, AccountsPerm.ASSIGN_ROLES)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    form = RolesForm(request.POST or None, initial={"roles": user.roles})
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.set_roles(
                actor=user_of(request), user=user, roles=form.cleaned_data["roles"]
            ),
        )
        if done is not None:
            messages.success(request, _("Roles saved."))
            return redirect("accounts:user_roles", pk=user.pk)
    from django_otp import user_has_device

    context = {"form": form, "subject": user, "has_second_factor": user_has_device(user)}
    return render(request, "accounts/user_roles.html", context)


@login_required
@require_POST
def user_second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost phone: the security administrator removes the user's second factor."""
    require(request, AccountsPerm.MANAGE_SECURITY)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    try:
        actions.reset_second_factor(actor=user_of(request), user=user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Second factor of %(name)s removed.") % {"name": user.username})
    return redirect("accounts:user_roles", pk=user.pk)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The security policy in force, and the accounts locked by failed logins."""
    from axes.models import AccessAttempt
    from django.conf import settings

    require(request, AccountsPerm.MANAGE_SECURITY)
    visible = User.objects.visible_to(request.user)
    locked = (
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            username__in=visible.values("username"),
        )
        .order_by("-attempt_time")
        .values("username", "ip_address", "attempt_time", "failures_since_start")[:200]
    )
    users = {u.username: u for u in visible.filter(username__in=[r["username"] for r in locked])}
    rows = [{**r, "user": users.get(r["username"])} for r in locked]
    policy = [
        (
            _("Session ends after inactivity"),
            _("%(n)d minutes") % {"n": settings.FANGKONG_SESSION_IDLE_MINUTES},
        ),
        (
            _("Session ends after login"),
            _("%(n)d hours") % {"n": settings.SESSION_COOKIE_AGE // 3600},
        ),
        (_("Password length"), _("at least %(n)d characters") % {"n": _min_length()}),
        (_("Character kinds"), _("3 of 4: lower case, capitals, digits, symbols")),
        (_("Password reuse"), _("not one of the last 5")),
        (
            _("Password expiry"),
            _("%(n)d days") % {"n": settings.FANGKONG_PASSWORD_MAX_AGE_DAYS}
            if settings.FANGKONG_PASSWORD_MAX_AGE_DAYS
            else _("off"),
        ),
        (
            _("Second factor for administrators and command offices"),
            _("required") if settings.FANGKONG_REQUIRE_2FA else _("off"),
        ),
        (
            _("Login lockout"),
            _("%(n)d failures within 15 minutes lock for 15 minutes")
            % {"n": settings.AXES_FAILURE_LIMIT},
        ),
    ]
    return render(request, "accounts/security.html", {"locked": rows, "policy": policy})


def _min_length() -> int:
    from fangkong.accounts.passwords import validator_option

    return validator_option(".LengthValidator", "min_length", 10)


@login_required
@require_POST
def lockout_release(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_SECURITY)
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    actions.release_lockout(actor=user_of(request), user=user)
    messages.success(request, _("Lockout of %(name)s released.") % {"name": user.username})
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_TOKENS)
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        subject = (
            User.objects.visible_to(request.user)
            .filter(username=form.cleaned_data["username"])
            .first()
        )
        if subject is None:
            form.add_error("username", _("No such user in your jurisdiction."))
        else:
            created = run_action(
                form,
                lambda: actions.create_token(
                    actor=user_of(request),
                    user=subject,
                    name=form.cleaned_data["name"],
                    expires_at=form.cleaned_data["expires_at"],
                ),
            )
            if created is not None:
                raw = created[1]
                form = TokenForm()
    tokens = ApiToken.objects.visible_to(request.user).select_related("user", "created_by")[:200]
    return render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "raw_token": raw}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, AccountsPerm.MANAGE_TOKENS)
    token = get_visible_or_404(ApiToken.objects.select_related("user"), request.user, pk=pk)
    actions.revoke_token(actor=user_of(request), token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:token_list")
