from django.urls import include, path
from django.views.i18n import set_language

from fangkong.api import api

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("", include("fangkong.regions.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("audit/", include("fangkong.audit.urls")),
    path("people/", include("fangkong.people.urls")),
    path("care/", include("fangkong.care.urls")),
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("", include("fangkong.observation.urls")),
    path("zero/", include("fangkong.zeroreport.urls")),
    path("facilities/", include("fangkong.medical.urls")),
    path("medical-staff/", include("fangkong.medical_staff.urls")),
    path("treatment/", include("fangkong.treatment.urls")),
    path("cases/", include("fangkong.cases.urls")),
    path("investigations/", include("fangkong.investigation.urls")),
    path("tracing/", include("fangkong.tracing.urls")),
    path("outbreaks/", include("fangkong.outbreaks.urls")),
    path("command/", include("fangkong.command.urls")),
    path("reports/", include("fangkong.reports.urls")),
    path("notifications/", include("fangkong.notifications.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("public/", include("fangkong.supplies.public_urls")),
    path("warning/", include("fangkong.warning.urls")),
    path("bulk/", include("fangkong.bulk.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

handler400 = "fangkong.core.views.bad_request"
handler403 = "fangkong.core.views.permission_denied"
handler404 = "fangkong.core.views.page_not_found"
handler500 = "fangkong.core.views.server_error"
