"""Pages without login: the donations received and where they went (issue #12)."""

from django.urls import URLPattern

app_name = "public"

urlpatterns: list[URLPattern] = []
