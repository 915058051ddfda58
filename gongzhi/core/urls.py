from django.urls import path

from gongzhi.core import views

app_name = "core"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("audit/", views.audit_list, name="audit_list"),
]
