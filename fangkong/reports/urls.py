from django.urls import path

from fangkong.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.today, name="today"),
    path("children/", views.children, name="children"),
    path("completeness/", views.completeness, name="completeness"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("summaries/", views.summaries, name="summaries"),
    path(
        "summaries/<int:pk>/<str:fmt>/",
        views.summary_download,
        name="summary_download",
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_report, name="return"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("missing/<str:code>/", views.mark_missing, name="missing"),
    path("problems/<int:pk>/answer/", views.answer, name="answer"),
    path("problems/<int:pk>/pass-up/", views.pass_up, name="pass_up"),
]
