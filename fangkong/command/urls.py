from django.urls import path

from fangkong.command import views

app_name = "command"

urlpatterns = [
    path("", views.group_list, name="groups"),
    path("groups/new/<str:code>/", views.group_new, name="group_new"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/working-groups/", views.working_group_add, name="working_group_add"),
    path("groups/<int:pk>/members/", views.member_add, name="member_add"),
    path("groups/<int:pk>/responsibilities/", views.responsibility_add, name="responsibility_add"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("responsibilities/<int:pk>/end/", views.responsibility_end, name="responsibility_end"),
    path("secretaries/<str:code>/", views.secretary, name="secretary"),
    path("chain/<str:code>/", views.chain, name="chain"),
]
