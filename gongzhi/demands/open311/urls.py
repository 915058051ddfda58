"""GeoReport v2 URLs, mounted by the project at /open311/v2/; every endpoint ends in .xml or .json.

Discovery publishes the endpoint without a trailing slash (`…/open311/v2`), as the spec's example does, and
clients append `/services.json`. Clients that were given the address with its slash and append
`/services.json` all the same ask for `/open311/v2//services.json`: every pattern takes an optional leading
slash, so both styles reach the same endpoint.
"""

from django.urls import re_path

from gongzhi.demands.open311 import views

app_name = "open311"
# Written as a group: Django's check urls.W002 warns of a pattern that starts with "^/" (a slash that
# would never match after the include's own), which is the slash we mean to accept here.
START = r"^(?:/)?"
FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(START + r"discovery" + FMT, views.discovery, name="discovery"),
    re_path(START + r"services" + FMT, views.services, name="services"),
    re_path(START + r"services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(START + r"requests" + FMT, views.requests, name="requests"),
    re_path(START + r"requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(START + r"tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    # Anything else under the prefix: a 404 in the spec's error format rather than an HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
