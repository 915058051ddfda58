"""The navigation bar: what a user sees depends on the roles they hold.

Top-level entries follow the glossary's navigation (工作台 · 区域与覆盖 · 党组织 · 党员 · 组织生活 · 民生诉求 · …);
related pages sit in a menu under their entry so the bar stays one line on a laptop.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    icon: str = ""
    action: str | None = Action.VIEW  # needed at some place; None: every signed-in user
    superuser_only: bool = False


@dataclass(frozen=True)
class Group:
    label: str
    icon: str
    items: tuple[Item, ...] = field(default_factory=tuple)


NAV: tuple[Item | Group, ...] = (
    Item(_("Workbench"), "core:workbench", "bi-speedometer2", None),
    Group(
        _("Places & coverage"),
        "bi-diagram-3",
        (
            Item(_("Places & coverage"), "territory:place_list"),
            Item(_("Service points"), "territory:point_list"),
        ),
    ),
    Item(_("Party organisations"), "party:org_list", "bi-flag"),
    Group(
        _("Party members"),
        "bi-people",
        (
            Item(_("Party members"), "members:member_list"),
            Item(_("Recruitment of party members"), "recruitment:recruit_list"),
            Item(_("Party dues"), "dues:branch_list"),
            Item(_("Transfers"), "transfers:list"),
        ),
    ),
    Item(_("Organisational life"), "orglife:index", "bi-calendar-check"),
    Item(_("Resident demands"), "demands:worklist", "bi-chat-square-text"),
    Item(_("Consultation and deliberation"), "deliberation:committee_list", "bi-chat-left-dots"),
    Item(_("Collective economy"), "collective:company_list", "bi-building"),
    Group(
        _("System settings"),
        "bi-gear",
        (
            Item(_("Audit log"), "core:audit_list", action=Action.AUDIT),
            Item(_("Working-day calendar"), "workdays:day_list", action=Action.MANAGE),
            Item(_("Data import"), "territory:import", action=Action.MANAGE),
            Item(_("Django administration"), "admin:index", action=None, superuser_only=True),
        ),
    ),
)


def _visible(user, item: Item) -> bool:
    if item.superuser_only and not user.is_superuser:
        return False
    return item.action is None or can_anywhere(user, item.action)


def _entry(item: Item, path: str) -> dict | None:
    try:
        url = reverse(item.url_name)
    except NoReverseMatch:  # an app not installed in this deployment
        return None
    active = path == url if url == "/" else path.startswith(url)
    return {"label": item.label, "url": url, "icon": item.icon, "active": active}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_assignments": []}
    items = []
    for node in NAV:
        if isinstance(node, Item):
            entry = _entry(node, request.path) if _visible(user, node) else None
            if entry:
                items.append(entry)
            continue
        children = [e for i in node.items if _visible(user, i) and (e := _entry(i, request.path))]
        if len(children) == 1:
            items.append({**children[0], "icon": node.icon})
        elif children:
            active = any(c["active"] for c in children)
            items.append({"label": node.label, "icon": node.icon, "children": children, "active": active})
    assignments = list(user.assignments.filter(active=True).select_related("place"))
    return {"nav_items": items, "user_assignments": assignments}
