from django.urls import include, path

from fangkong.warning import screen_urls, signal_urls

app_name = "warning"

urlpatterns = [
    path("", include(screen_urls)),
    path("", include(signal_urls)),
]
