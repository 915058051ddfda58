"""Placeholder until the residents' portal is built: the names the services link to."""

from django.http import HttpResponse
from django.urls import path

app_name = "portal"
urlpatterns = [path("demands/<int:pk>/", lambda request, pk: HttpResponse(status=501), name="demand")]
