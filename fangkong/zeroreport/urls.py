from django.urls import path

from fangkong.zeroreport import views

app_name = "zeroreport"

urlpatterns = [
    path("grids/<str:code>/", views.grid_day, name="grid"),
    path("grids/<str:code>/confirm/", views.confirm, name="confirm"),
    path("d/<str:code>/", views.rollup, name="rollup"),
    path("d/<str:code>/dashboard/", views.dashboard, name="dashboard"),
    path("d/<str:code>/refresh/", views.refresh, name="refresh"),
]
