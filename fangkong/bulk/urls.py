from django.urls import path

from fangkong.bulk import export_views, views

app_name = "bulk"

urlpatterns = [
    # imports
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/rejects/", views.import_rejects, name="import_rejects"),
    path("imports/<int:pk>/valid-only/", views.import_valid_only, name="import_valid_only"),
    path("templates/screenings.<str:kind>", views.screening_template, name="screening_template"),
    path("templates/<slug:name>.<str:fmt>", views.import_template, name="import_template"),
    # exports
    path("export/<slug:name>.<slug:fmt>", export_views.export_list, name="export"),
]
