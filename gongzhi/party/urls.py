from django.urls import path

from gongzhi.party import views

app_name = "party"
urlpatterns = [
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/new/", views.org_establish, name="org_establish"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("orgs/<int:pk>/rename/", views.org_rename, name="org_rename"),
    path("orgs/<int:pk>/dissolve/", views.org_dissolve, name="org_dissolve"),
    path("coverage/new/", views.coverage_add, name="coverage_add"),
    path("coverage/<int:pk>/end/", views.coverage_end, name="coverage_end"),
]
