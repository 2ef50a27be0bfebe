"""What the accounts app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.permissions import AccountsPerm
from fangkong.accounts.roles import Role
from fangkong.core.discovery import MenuItem

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _roles_url(user: User) -> str | None:
    # the system administrator reaches the same list as "Users"
    return None if user.has_perm(AccountsPerm.MANAGE_USERS) else reverse("accounts:user_list")


AUDIT_LABELS = {
    "user.create": _("create user"),
    "user.update": _("change user"),
    "user.deactivate": _("deactivate user"),
    "user.reset_password": _("reset password"),
    "user.change_password": _("change own password"),
    "user.login": _("log in"),
    "user.login_failed": _("failed login"),
    "user.logout": _("log out"),
    "token.create": _("create API token"),
    "token.revoke": _("revoke API token"),
    "user.session_expired": _("session ended by the policy"),
    "user.roles": _("change roles"),
    "user.lockout_released": _("release login lockout"),
    "user.2fa_enrol": _("set up second factor"),
    "user.2fa_failed": _("wrong second-factor code"),
    "user.2fa_recovery_used": _("log in with a recovery code"),
    "user.2fa_recovery_renewed": _("make new recovery codes"),
    "user.2fa_reset": _("remove second factor"),
}

MENU = [
    MenuItem(_("Users"), "accounts:user_list", AccountsPerm.MANAGE_USERS, weight=100),
    MenuItem(_("API tokens"), "accounts:token_list", AccountsPerm.MANAGE_TOKENS, weight=110),
    # the security administrator: roles (through the user list) and the security policy
    MenuItem(_("Roles"), _roles_url, AccountsPerm.ASSIGN_ROLES, weight=102),
    MenuItem(_("Security"), "accounts:security", AccountsPerm.MANAGE_SECURITY, weight=104),
]

# What each role can do here today, in plain words, on the workbench of the roles whose daily
# work is not a to-do list of their own (core/workbench.py, profile "other"). Say what exists,
# and what does not yet, rather than promise.
WORKBENCH_NOTES = {
    Role.HEALTH_COMMISSION: _(
        "As the health commission you follow the cases of your area against the 2-hour reporting "
        "clock, investigate each case (流调), trace its close contacts into observation, accept "
        "the contacts other counties hand over to you, and watch clusters and risk grades. "
        "You admit patients to the nearest free bed of the right type or place the waiting ones "
        "all at once by a plan, transfer them up and down, and watch the free beds."
    ),
    Role.CLINIC_STAFF: _(
        "As a fever clinic you register every patient you see, referred or walking in, with the "
        "history filled in from screenings, observations and checkpoints; you decide home "
        "observation or a suspected case isolated on the spot, report it, and record samples "
        "and results. As a hospital you accept or refuse the patients sent to you, record their "
        "transport and arrival, see your wards' beds, and keep your staff's roster. You book "
        "your store's receipts and daily consumption, count it, and request supplies when its "
        "days of supply run low."
    ),
    Role.SUPPLIES_OFFICER: _(
        "As a supplies officer you keep the stock of your area's stores: the ledger of every "
        "receipt, issue and consumption, stock counts, and the stores running short. You decide "
        "the requests addressed to your division, allocate them from your stores or by a plan, "
        "forward the rest to the level above and ship; you dispatch production and record "
        "donations, which the public page shows with where they went. You also see the care "
        "requests for food, daily necessities and medicine in your area, overdue ones first."
    ),
    Role.ORGANIZATION_DEPT: _(
        "As the organisation department you see the division tree down to each grid, the grid "
        "staff and who covers which grid, and each day's daily report by division."
    ),
    Role.PUBLICITY_OFFICE: _(
        "As the publicity office you see the division tree and each day's daily report figures "
        "by division, for what may be said in public, and the public trajectory notice of each "
        "investigated case (行程轨迹): sex, age, community, places and times, ready to copy."
    ),
    Role.SYSADMIN: _(
        "As the system administrator you create and deactivate user accounts and API tokens in "
        "your area. Roles are given by the security administrator."
    ),
    Role.SECURITY_ADMIN: _(
        "As the security administrator you give and take roles, release locked accounts and "
        "read the security policy."
    ),
}
