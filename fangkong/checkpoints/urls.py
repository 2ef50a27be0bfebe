from django.urls import path

from fangkong.checkpoints import views

app_name = "checkpoints"

urlpatterns = [
    path("", views.checkpoint_list, name="list"),
    path("new/", views.checkpoint_create, name="create"),
    path("<int:pk>/", views.checkpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.checkpoint_edit, name="edit"),
    path("<int:pk>/close/", views.checkpoint_close, name="close"),
    path("<int:pk>/reopen/", views.checkpoint_reopen, name="reopen"),
    path("<int:pk>/tokens/", views.checkpoint_tokens, name="tokens"),
    path("<int:pk>/register/", views.register, name="register"),
    path("register/person-row/", views.person_row, name="person_row"),
    path("register/destinations/", views.destinations, name="destinations"),
    path("passages/", views.passage_list, name="passages"),
    path("passages/<int:pk>/", views.passage_detail, name="passage"),
    path("todo/", views.todo, name="todo"),
    path("todo/<int:pk>/", views.handle, name="handle"),
    path("todo/<int:pk>/reveal/", views.reveal, name="reveal"),
]
