from django.urls import path

from gongzhi.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("", views.recruit_list, name="recruit_list"),
    path("apply/", views.recruit_apply, name="recruit_apply"),
    path("<int:pk>/", views.recruit_detail, name="recruit_detail"),
    path("<int:pk>/reveal/<str:field>/", views.recruit_reveal, name="recruit_reveal"),
    *(
        path(f"<int:pk>/{key}/", getattr(views, f"recruit_{key}"), name=f"recruit_{key}")
        for key in views.STEPS
    ),
]
