"""The supplies pages: the ledger's here; requests and allocation (``request_views``),
production and donations (``production_views``, ``donation_views``) bring their own lists."""

from django.urls import path

from fangkong.supplies import donation_views, production_views, request_views, views

app_name = "supplies"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("stores/", views.stores, name="stores"),
    path("stores/<int:pk>/", views.store, name="store"),
    path("stores/<int:pk>/edit/", views.store_edit, name="store_edit"),
    path("stores/<int:pk>/book/", views.store_book, name="store_book"),
    path("stores/<int:pk>/consumption/", views.store_consumption, name="store_consumption"),
    path("stores/<int:pk>/count/", views.store_count, name="store_count"),
    path("ledger/", views.ledger, name="ledger"),
    path("reconciliations/", views.reconciliations, name="reconciliations"),
    *request_views.urlpatterns,
    *production_views.urlpatterns,
    *donation_views.urlpatterns,
]
