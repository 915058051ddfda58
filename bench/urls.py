"""The project's URLs with the floor views (bench/floor.py) mounted under /floor/: bench settings only."""

from django.urls import include, path

from gongzhi.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("floor/", include("bench.floor")), *project_urlpatterns]
