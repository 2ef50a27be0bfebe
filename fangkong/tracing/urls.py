from django.urls import path

from fangkong.tracing import views

app_name = "tracing"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/find/", views.contact_find, name="find"),
    path("contacts/<int:pk>/observe/", views.contact_observe, name="observe"),
    path("contacts/<int:pk>/lost/", views.contact_lost, name="lost"),
    path("cases/<int:case_pk>/contacts/new/", views.add_contact, name="add_contact"),
    path("handovers/", views.handover_list, name="handovers"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover"),
    path("handovers/<int:pk>/accept/", views.handover_accept, name="handover_accept"),
    path("handovers/<int:pk>/found/", views.handover_found, name="handover_found"),
    path("handovers/<int:pk>/observe/", views.handover_observe, name="handover_observe"),
    path("handovers/<int:pk>/not-found/", views.handover_not_found, name="handover_not_found"),
]
