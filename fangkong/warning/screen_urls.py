"""The command screen's pages (指挥大屏): the ordinary page and the wall page."""

from django.urls import path

from fangkong.warning import screen_views

urlpatterns = [
    path("screen/", screen_views.screen_page, name="screen"),
    path("screen/wall/", screen_views.wall, name="wall"),
]
