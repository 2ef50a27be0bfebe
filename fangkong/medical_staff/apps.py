from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalStaffConfig(AppConfig):
    name = "fangkong.medical_staff"
    label = "medical_staff"
    verbose_name = _("Medical staff")
