"""Paging shared by list pages."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class CountedPaginator(Paginator):
    """A paginator told its total by the page, which has counted it already (e.g. with the pills)."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def paginate(request, queryset: QuerySet, per_page: int | None = None, *, count: int | None = None) -> Page:
    """The requested page; a page number out of range gives the last page, garbage gives the first.

    `count`: the number of rows in `queryset`, when the caller knows it (saves a COUNT query)."""
    per_page = per_page or settings.PAGE_SIZE
    if count is None:
        paginator = Paginator(queryset, per_page)
    else:
        paginator = CountedPaginator(queryset, per_page, count=count)
    return paginator.get_page(request.GET.get("page"))
