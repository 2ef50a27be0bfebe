from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkConfig(AppConfig):
    """Bulk work: file imports run as jobs with progress, and streamed exports of any list."""

    name = "fangkong.bulk"
    label = "bulk"
    verbose_name = _("Bulk import and export")

    def ready(self) -> None:
        # Every app's lists that can be exported, in its own exports.py (like admin.py).
        from fangkong.bulk import exports, imports

        exports.autodiscover()
        imports.autodiscover()
