"""Shared pieces of the JSON API: the list envelope every list endpoint answers with."""

from typing import Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema

T = TypeVar("T")
MAX_LIMIT = 500


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


def page_of(queryset: QuerySet, limit: int, offset: int) -> dict:
    """`{"items", "count"}` for one window of a queryset; limit is capped to keep responses small."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {"items": list(queryset[offset : offset + limit]), "count": queryset.count()}
