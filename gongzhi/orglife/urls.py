from django.urls import path

from gongzhi.orglife import views

app_name = "orglife"
urlpatterns = [
    path("", views.index, name="index"),
    path("orgs/<int:org_id>/", views.record_list, name="record_list"),
    path("orgs/<int:org_id>/new/", views.record_create, name="record_create"),
    path("orgs/<int:org_id>/calendar/", views.calendar, name="calendar"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_update, name="record_update"),
    path("records/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
]
