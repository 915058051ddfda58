from django.urls import path

from gongzhi.dues import views

app_name = "dues"
urlpatterns = [
    path("", views.branch_list, name="branch_list"),
    path("branches/<int:org_id>/", views.ledger, name="ledger"),
    path("branches/<int:org_id>/arrears/", views.arrears, name="arrears"),
    path("members/<int:member_id>/", views.member_dues, name="member"),
    path("members/<int:member_id>/pay/", views.record_payment, name="record_payment"),
    path("members/<int:member_id>/basis/", views.set_profile, name="set_profile"),
]
