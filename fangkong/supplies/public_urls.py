"""Pages without login: the donations received and where they went (issue #12)."""

from django.urls import path

from fangkong.supplies.donation_views import public_donations

app_name = "public"

urlpatterns = [
    path("donations/", public_donations, name="donations"),
]
