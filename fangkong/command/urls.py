from django.urls import path

from fangkong.command import directive_views, views

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

urlpatterns += [
    path("directives/", directive_views.directive_list, name="directives"),
    path("directives/new/", directive_views.directive_new, name="directive_new"),
    path("directives/<int:pk>/", directive_views.directive_detail, name="directive"),
    path("directives/<int:pk>/reopen/", directive_views.directive_reopen, name="directive_reopen"),
    path(
        "recipients/<int:pk>/acknowledge/",
        directive_views.recipient_acknowledge,
        name="recipient_acknowledge",
    ),
    path(
        "recipients/<int:pk>/progress/",
        directive_views.recipient_progress,
        name="recipient_progress",
    ),
    path(
        "recipients/<int:pk>/complete/",
        directive_views.recipient_complete,
        name="recipient_complete",
    ),
    path(
        "recipients/<int:pk>/pass-on/", directive_views.recipient_pass_on, name="recipient_pass_on"
    ),
    path("attachments/<int:pk>/", directive_views.attachment_download, name="attachment"),
    path("closures/<int:pk>/confirm/", directive_views.closure_confirm, name="closure_confirm"),
    path("closures/<int:pk>/check/", directive_views.closure_check, name="closure_check"),
    path("closures/board/<str:code>/", directive_views.closure_board, name="closure_board"),
    path("venues/", directive_views.venue_list, name="venues"),
    path("venues/new/<str:code>/", directive_views.venue_new, name="venue_new"),
    path("venues/<int:pk>/", directive_views.venue_edit, name="venue_edit"),
]
