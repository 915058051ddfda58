"""Placeholder replaced by the import module (being written)."""

from django.http import HttpResponse


def import_page(request):
    return HttpResponse(status=501)


import_template = export_all = import_status = import_page
