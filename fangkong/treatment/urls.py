from django.urls import path

from fangkong.treatment import views

app_name = "treatment"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/accept/", views.order_accept, name="accept"),
    path("orders/<int:pk>/refuse/", views.order_refuse, name="refuse"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<int:pk>/transport/", views.order_transport, name="transport"),
    path("cases/<int:pk>/admit/", views.admit, name="admit"),
    path("cases/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("waiting/", views.waiting, name="waiting"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("plans/<int:pk>/discard/", views.plan_discard, name="plan_discard"),
    path("policy/", views.policy, name="policy"),
]
