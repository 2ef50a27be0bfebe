from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fangkong.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from fangkong.audit.database import register_sqlite_function

        # SQLite's DELETE trigger on the audit table calls it (fangkong/audit/database.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="audit_owner_fn")
