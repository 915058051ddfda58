from django import template

from gongzhi.orglife.rules import LifeType
from gongzhi.orglife.selectors import missed_quotas_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def life_missed_quotas(context) -> list:
    """Branches in the user's scope with a missed quota in the last completed period (see the alerts partial).

    A view that has already computed them passes `life_alerts` to save the queries.
    """
    if "life_alerts" in context:
        return context["life_alerts"]
    request = context.get("request")
    if request is None:
        return []
    return missed_quotas_visible_to(request.user)


@register.filter
def life_type_label(code: str) -> str:
    return LifeType(code).label if code in LifeType.values else code
