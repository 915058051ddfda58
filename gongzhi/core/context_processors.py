"""The navigation bar: what a user sees depends on the roles they hold."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere

# (label, url name, icon, action needed anywhere, superuser only)
NAV = [
    (_("Workbench"), "core:workbench", "bi-speedometer2", None, False),
    (_("Places & coverage"), "territory:place_list", "bi-diagram-3", Action.VIEW, False),
    (_("Service points"), "territory:point_list", "bi-house-heart", Action.VIEW, False),
    (_("Resident demands"), "demands:worklist", "bi-chat-square-text", Action.VIEW, False),
    (_("Party organisations"), "party:org_list", "bi-flag", Action.VIEW, False),
    (_("Party members"), "members:member_list", "bi-people", Action.VIEW, False),
    (_("Recruitment of party members"), "recruitment:recruit_list", "bi-person-plus", Action.VIEW, False),
    (_("Organisational life"), "orglife:index", "bi-calendar-check", Action.VIEW, False),
    (_("Party dues"), "dues:branch_list", "bi-cash-coin", Action.VIEW, False),
    (_("Transfers"), "transfers:list", "bi-arrow-left-right", Action.VIEW, False),
    (_("Working-day calendar"), "workdays:day_list", "bi-calendar-week", Action.MANAGE, False),
    (_("Data import"), "territory:import", "bi-upload", Action.MANAGE, False),
    (_("Audit log"), "core:audit_list", "bi-journal-check", Action.AUDIT, False),
    (_("System settings"), "admin:index", "bi-gear", None, True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_assignments": []}
    items = []
    path = request.path
    for label, name, icon, action, superuser_only in NAV:
        if superuser_only and not user.is_superuser:
            continue
        if action and not can_anywhere(user, action):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": label, "url": url, "icon": icon, "active": active})
    assignments = list(user.assignments.filter(active=True).select_related("place"))
    return {"nav_items": items, "user_assignments": assignments}
