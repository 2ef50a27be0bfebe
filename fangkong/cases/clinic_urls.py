"""Pages of the fever clinic, mounted under the cases app (namespace ``cases``):
``urlpatterns += clinic_urls.urlpatterns`` in ``cases/urls.py``."""

from django.urls import path

from fangkong.cases import clinic_views

urlpatterns = [
    path("visits/", clinic_views.visit_list, name="visit_list"),
    path("visits/new/", clinic_views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", clinic_views.visit_detail, name="visit"),
    path("visits/<int:pk>/decide/", clinic_views.visit_decide, name="visit_decide"),
    path("referrals/", clinic_views.referrals, name="referrals"),
]
