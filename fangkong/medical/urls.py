from django.urls import path

from fangkong.medical import views

app_name = "medical"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_new, name="new"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
]
