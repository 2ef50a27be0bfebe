from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZeroReportConfig(AppConfig):
    """Each grid's daily figures, the grid worker's confirmation of the day (零报告) and the
    division dashboard that rolls them up level by level."""

    name = "fangkong.zeroreport"
    label = "zeroreport"
    verbose_name = _("Zero reporting")
