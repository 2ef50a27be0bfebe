from django.urls import path

from fangkong.care import views

app_name = "care"

urlpatterns = [
    path("", views.care_list, name="list"),
    path("grids/<str:code>/", views.grid_view, name="grid"),
    path("grids/<str:code>/new/", views.care_create, name="create"),
    path("<int:pk>/", views.care_detail, name="detail"),
    path("<int:pk>/assign/", views.care_assign, name="assign"),
    path("<int:pk>/done/", views.care_done, name="done"),
    path("<int:pk>/cancel/", views.care_cancel, name="cancel"),
]
