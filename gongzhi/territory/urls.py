from django.urls import path

from gongzhi.territory import import_views, views

app_name = "territory"
urlpatterns = [
    path("places/", views.place_list, name="place_list"),
    path("places/<slug:code>/", views.place_detail, name="place_detail"),
    path("places/<slug:code>/new/", views.place_create, name="place_create"),
    path("places/<slug:code>/edit/", views.place_edit, name="place_edit"),
    path("places/<slug:code>/move/", views.place_move, name="place_move"),
    path("places/<slug:code>/close/", views.place_close, name="place_close"),
    path("places/<slug:code>/coverage/", views.coverage, name="coverage"),
    path("places/<slug:code>/coverage.xlsx", views.coverage_export, name="coverage_export"),
    path("places/<slug:code>/new-service-point/", views.point_create, name="point_create"),
    path("service-points/", views.point_list, name="point_list"),
    path("service-points/<slug:code>/", views.point_detail, name="point_detail"),
    path("service-points/<slug:code>/edit/", views.point_edit, name="point_edit"),
    path("service-points/<slug:code>/areas/", views.point_areas, name="point_areas"),
    path("service-points/<slug:code>/close/", views.point_close, name="point_close"),
    path("import/", import_views.import_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/export.xlsx", import_views.export_all, name="export_all"),
    path("import/<int:pk>/", import_views.import_status, name="import_status"),
]
