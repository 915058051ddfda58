"""Placeholder until the staff pages are built: the names the services link to."""

from django.http import HttpResponse
from django.urls import path

app_name = "demands"
urlpatterns = [path("<int:pk>/", lambda request, pk: HttpResponse(status=501), name="detail")]
