from django.urls import path

from gongzhi.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/places/", views.place_search, name="place_search"),
    path("report/similar/", views.similar, name="similar"),
    path("report/done/<int:pk>/", views.report_done, name="report_done"),
    path("demands/", views.demand_list, name="demands"),
    path("demands/<int:pk>/", views.demand_detail, name="demand"),
    path("demands/<int:pk>/rate/", views.demand_rate, name="rate"),
    path("demands/<int:pk>/same/", views.same, name="same"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("messages/", views.messages_list, name="messages"),
    path("me/", views.me, name="me"),
]
