from django.urls import path

from gongzhi.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.day_list, name="day_list"),
    path("add/", views.day_add, name="day_add"),
    path("<int:pk>/remove/", views.day_remove, name="day_remove"),
]
