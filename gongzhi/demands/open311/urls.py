"""GeoReport v2 URLs, mounted by the project at /open311/v2/; every endpoint ends in .xml or .json."""

from django.urls import re_path

from gongzhi.demands.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    # Anything else under the prefix: a 404 in the spec's error format rather than an HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
