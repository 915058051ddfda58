from django import template

from gongzhi.dues.selectors import unpaid_streak

register = template.Library()


@register.filter
def streak(member) -> dict:
    """For a member from `in_arrears`: {"since": first unpaid month, "months": how many in a row}."""
    since, months = unpaid_streak(member)
    return {"since": since, "months": months}
