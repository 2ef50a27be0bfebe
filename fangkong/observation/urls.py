from django.urls import path

from fangkong.observation import views

app_name = "observation"

urlpatterns = [
    path("observation/", views.observation_list, name="list"),
    path("observation/<int:pk>/", views.observation_detail, name="detail"),
    path("observation/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("observation/<int:pk>/release/", views.release, name="release"),
    path("observation/<int:pk>/refer/", views.refer, name="refer"),
    path("observation/<int:pk>/rotate-link/", views.rotate_link, name="rotate_link"),
    # The personal check-in link: a signed token, no account (links.py).
    path("c/<str:token>/", views.personal, name="personal"),
]
