"""The navigation bar: what a user sees depends on the roles they hold.

Top-level entries follow the glossary's navigation (工作台 · 区域与覆盖 · 党组织 · 党员 · 组织生活 · 民生诉求 · …);
related pages sit in a menu under their entry so the bar stays one line on a laptop.

The menu is on every page, and it is the same for everyone who sees the same entries, on the same page, in
the same language: its markup is rendered once for each such combination and kept (reversing its URLs and
rendering it through the template cost about a millisecond a page).
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongzhi.core.roles import Action
from gongzhi.core.scoping import can_anywhere, current_assignments


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
            Item(_("Demand categories"), "demands:category_list", action=Action.MANAGE),
            Item(_("Data import"), "territory:import", action=Action.MANAGE),
            Item(_("Django administration"), "admin:index", action=None, superuser_only=True),
        ),
    ),
)


ITEMS: tuple[Item, ...] = tuple(
    leaf for node in NAV for leaf in (node.items if isinstance(node, Group) else (node,))
)


def _visible(user, item: Item) -> bool:
    if item.superuser_only and not user.is_superuser:
        return False
    return item.action is None or can_anywhere(user, item.action)


@cache
def _url(url_name: str, urlconf: str | None, script_prefix: str) -> str | None:
    """The entry's URL (None: an app not installed in this deployment); fixed for a URLconf and prefix."""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _is_active(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def _entry(item: Item, urls: dict[str, str], active: tuple[str, ...]) -> dict:
    url = urls[item.url_name]
    return {"label": item.label, "url": url, "icon": item.icon, "active": item.url_name in active}


@lru_cache(maxsize=512)
def _menu_html(
    language: str | None, urls: tuple[tuple[str, str], ...], active: tuple[str, ...]
) -> SafeString:
    """The menu's markup, given the language, the entries shown (url name, URL) and those active."""
    shown = dict(urls)
    items = []
    for node in NAV:
        if isinstance(node, Item):
            if node.url_name in shown:
                items.append(_entry(node, shown, active))
            continue
        children = [_entry(i, shown, active) for i in node.items if i.url_name in shown]
        if len(children) == 1:
            items.append({**children[0], "icon": node.icon})
        elif children:
            active_group = any(c["active"] for c in children)
            items.append(
                {"label": node.label, "icon": node.icon, "children": children, "active": active_group}
            )
    return mark_safe(render_to_string("includes/nav_menu.html", {"nav_items": items}).strip())


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": "", "user_assignments": []}
    urlconf, script_prefix = get_urlconf(), get_script_prefix()
    urls = tuple(
        (item.url_name, url)
        for item in ITEMS
        if _visible(user, item) and (url := _url(item.url_name, urlconf, script_prefix)) is not None
    )
    # The page belongs to one entry: the one whose URL is the longest prefix of its path (the catalogue at
    # /demands/categories/, not the worklist at /demands/), so one entry says aria-current="page".
    matches = [(len(url), name) for name, url in urls if _is_active(url, request.path)]
    active = (max(matches)[1],) if matches else ()
    return {
        "nav_menu": _menu_html(get_language(), urls, active),
        # The rows the scoping checks already read (one query a request for both).
        "user_assignments": current_assignments(user),
    }
