from django.urls import path

from fangkong.screening import views

app_name = "screening"

urlpatterns = [
    path("", views.screening_list, name="list"),
    path("new/", views.screening_new, name="new"),
    path("preview/", views.screening_preview, name="preview"),
    path("person/", views.person_lookup, name="person_lookup"),
    path("<int:pk>/", views.screening_detail, name="detail"),
    path("key-areas/", views.key_areas, name="key_areas"),
    path("key-areas/<int:pk>/end/", views.key_area_end, name="key_area_end"),
]
