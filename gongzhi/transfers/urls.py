from django.urls import path

from gongzhi.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("branches/<int:org_id>/new/", views.transfer_issue, name="issue"),
    path("<int:pk>/receive/", views.transfer_receive, name="receive"),
]
