from django.urls import path

from fangkong.investigation import views

app_name = "investigation"

urlpatterns = [
    path("", views.investigation_list, name="list"),
    path("cases/<int:pk>/open/", views.investigation_open, name="open"),
    path("<int:pk>/", views.investigation_detail, name="detail"),
    path("<int:pk>/movements/", views.movement_add, name="movement_add"),
    path("movements/<int:pk>/remove/", views.movement_remove, name="movement_remove"),
    path("<int:pk>/sources/", views.source_add, name="source_add"),
    path("<int:pk>/complete/", views.investigation_complete, name="complete"),
    path("<int:pk>/report/", views.investigation_report, name="report"),
    path("<int:pk>/report.docx", views.investigation_docx, name="docx"),
    path("<int:pk>/trajectory/", views.trajectory, name="trajectory"),
    path("notices/", views.notices, name="notices"),
]
