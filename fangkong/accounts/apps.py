from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from fangkong.accounts.middleware import start_session

        # Not business logic: the session's clock and the login steps left, for every login
        # (the login view and the test client's force_login alike); see accounts.middleware.
        user_logged_in.connect(start_session, dispatch_uid="fangkong.accounts.start_session")
