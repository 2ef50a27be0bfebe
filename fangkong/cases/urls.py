from django.urls import path

from fangkong.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/confirm/", views.case_confirm, name="confirm"),
    path("<int:pk>/asymptomatic/", views.case_asymptomatic, name="asymptomatic"),
    path("<int:pk>/onset/", views.case_onset, name="onset"),
    path("<int:pk>/exclude/", views.case_exclude, name="exclude"),
    path("<int:pk>/discharge/", views.case_discharge, name="discharge"),
    path("<int:pk>/death/", views.case_death, name="death"),
    path("<int:pk>/national-report/", views.case_national_report, name="national_report"),
    path("<int:pk>/samples/", views.sample_add, name="sample_add"),
    path("samples/<int:pk>/result/", views.sample_result, name="sample_result"),
]

# The fever clinic's pages (cases/clinic*.py) are added below, one line each.
from fangkong.cases import clinic_urls  # noqa: E402

urlpatterns += clinic_urls.urlpatterns
