from django.urls import path

from gongzhi.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.mark_all_read_view, name="read_all"),
    path("<int:pk>/open/", views.open_view, name="open"),
]
