from django.urls import path

from fangkong.outbreaks import views

app_name = "outbreaks"

urlpatterns = [
    path("", views.risk_grades, name="risk"),
    path("grade-now/", views.grade_now, name="grade_now"),
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/chain/", views.cluster_chain, name="cluster_chain"),
    path("cases/<int:pk>/chain/", views.case_chain, name="chain"),
    path("colour/", views.colour_lookup, name="colour"),
]
