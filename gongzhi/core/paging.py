"""Paging shared by list pages."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate(request, queryset: QuerySet, per_page: int | None = None) -> Page:
    """The requested page; a page number out of range gives the last page, garbage gives the first."""
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
