"""Signals, verdicts, false-alarm rates, series and parameters pages (the detection part)."""

from django.urls import path

from fangkong.warning import views

urlpatterns = [
    path("signals/", views.signal_list, name="signals"),
    path("signals/<int:pk>/", views.signal_detail, name="signal"),
    path("signals/<int:pk>/verdict/", views.signal_verdict, name="signal_verdict"),
    path("rates/", views.rates, name="rates"),
    path("series/", views.series, name="series"),
    path("parameters/", views.parameters, name="parameters"),
]
