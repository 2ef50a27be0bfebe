from django.urls import path

from fangkong.regions import views

app_name = "regions"

urlpatterns = [
    path("d/<str:code>/", views.division_detail, name="division"),
    path("d/<str:code>/grids/new/", views.grid_create, name="grid_create"),
    path("d/<str:code>/staff/new/", views.staff_create, name="staff_create"),
    path("grids/<str:code>/rename/", views.grid_rename, name="grid_rename"),
    path("grids/<str:code>/merge/", views.grid_merge, name="grid_merge"),
    path("grids/<str:code>/retire/", views.grid_retire, name="grid_retire"),
    path("grids/<str:code>/assign/", views.grid_assign, name="grid_assign"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("search/", views.search, name="search"),
    path("divisions/suggest/", views.suggest, name="suggest"),
    path("map/jilin.geojson", views.geojson, name="geojson"),
]
