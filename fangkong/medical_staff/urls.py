from django.urls import path

from fangkong.medical_staff import views

app_name = "medical_staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_new, name="new"),
    path("<int:pk>/edit/", views.staff_edit, name="edit"),
    path("<int:pk>/exposure/", views.exposure_new, name="exposure_new"),
    path("<int:pk>/family-care/", views.family_new, name="family_new"),
    path("facilities/<int:pk>/roster/", views.roster, name="roster"),
    path("rotation/", views.rotation, name="rotation"),
    path("rotation/rule/", views.rule, name="rule"),
    path("exposures/", views.exposure_list, name="exposures"),
    path("family-care/", views.family_list, name="family"),
]
