from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutbreaksConfig(AppConfig):
    name = "fangkong.outbreaks"
    label = "outbreaks"
    verbose_name = _("Clusters and risk grading")
