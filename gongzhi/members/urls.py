from django.urls import path

from gongzhi.members import import_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("export.xlsx", views.member_export, name="member_export"),
    path("new/", views.member_create, name="member_create"),
    path("import/", import_views.import_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/export.xlsx", import_views.import_export, name="import_export"),
    path("import/<int:pk>/", import_views.import_status, name="import_status"),
    path("<int:pk>/", views.member_detail, name="member_detail"),
    path("<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal, name="member_reveal"),
    path("<int:pk>/outside-posts/", views.outside_post_add, name="outside_post_add"),
    path("orgs/<int:org_pk>/posts/", views.org_posts, name="org_posts"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
]
