from django import template

from gongzhi.core.pii import mask_numbers_in

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced: keeps filters across pages."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


@register.filter
def mask_numbers(text: str) -> str:
    """Someone else's free text with phone and ID numbers masked (what one resident may read of another's)."""
    return mask_numbers_in(text)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
