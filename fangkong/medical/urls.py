from django.urls import path

from fangkong.medical import views

app_name = "medical"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_new, name="new"),
    path("beds/", views.bed_board, name="beds"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("<int:pk>/wards/", views.ward_add, name="ward_add"),
    path("<int:pk>/experts/", views.expert_add, name="expert_add"),
    path("wards/<int:pk>/", views.ward_edit, name="ward_edit"),
    path("experts/<int:pk>/leave/", views.expert_leave, name="expert_leave"),
]
