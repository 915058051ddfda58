"""Pages for party dues: the branches, each branch's monthly ledger and arrears, a member's dues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, require_anywhere
from gongzhi.dues import selectors, services
from gongzhi.dues.forms import PaymentForm, ProfileForm
from gongzhi.dues.months import parse_month
from gongzhi.members.models import Member
from gongzhi.members.selectors import get_member_for_user
from gongzhi.party.models import PartyOrg
from gongzhi.party.selectors import get_org_for_user
from gongzhi.territory.forms import bootstrapify


def _branch(request: HttpRequest, org_id: int, action: str = Action.VIEW) -> PartyOrg:
    require_anywhere(request.user, Action.VIEW)
    return get_org_for_user(request.user, org_id, action)


def _member(request: HttpRequest, member_id: int, action: str = Action.VIEW) -> Member:
    require_anywhere(request.user, Action.VIEW)
    return get_member_for_user(request.user, member_id, action)


@login_required
def branch_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    branches = selectors.branches_visible_to(request.user).search(request.GET.get("q", ""))
    page = paginate(request, branches)
    return render(request, "dues/branch_list.html", {"page_obj": page, "q": request.GET.get("q", "")})


@login_required
def ledger(request: HttpRequest, org_id: int) -> HttpResponse:
    """Members × the last twelve months: which months each member has paid."""
    org = _branch(request, org_id)
    page = paginate(request, selectors.branch_members(org))
    months = selectors.ledger_months()
    context = {
        "org": org,
        "page_obj": page,
        "months": months,
        "rows": selectors.ledger_rows(list(page), months),
        "can_change": can(request.user, Action.CHANGE, org.place.path),
    }
    return render(request, "dues/ledger.html", context)


@login_required
def arrears(request: HttpRequest, org_id: int) -> HttpResponse:
    """The branch's members with six or more months in a row unpaid."""
    org = _branch(request, org_id)
    members = selectors.in_arrears(Member.objects.filter(branch=org)).order_by("pinyin", "id")
    context = {"org": org, "page_obj": paginate(request, members), "months": selectors.ARREARS_MONTHS}
    return render(request, "dues/arrears.html", context)


@login_required
def member_dues(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    entries = selectors.member_ledger(member)
    context = {
        "member": member,
        "profiles": member.dues_profiles.select_related("recorded_by").order_by("-applies_from"),
        "page_obj": paginate(request, entries, per_page=24),
        "unpaid_count": sum(1 for e in entries if e.state == "unpaid"),
        "can_change": can(request.user, Action.CHANGE, member.branch.place.path),
    }
    return render(request, "dues/member.html", context)


def _payment_initial(request: HttpRequest, member: Member) -> dict:
    """The month asked for (`?month=YYYY-MM`, default this month) and the amount due for it."""
    try:
        month = parse_month(request.GET["month"]) if request.GET.get("month") else selectors.current_month()
    except ValueError:
        month = selectors.current_month()
    profile = selectors.profile_for_month(member, month)
    return {"month": month, **({"amount_paid": profile.monthly_dues} if profile else {})}


@login_required
def record_payment(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id, Action.CHANGE)
    form = bootstrapify(PaymentForm(request.POST or None, initial=_payment_initial(request, member)))
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.dues_record_payment(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Dues of %(name)s for %(month)s recorded.")
                % {"name": member.name, "month": f"{payment.month:%Y-%m}"},
            )
            return redirect("dues:member", member.pk)
    title = _("Record dues paid by %(name)s") % {"name": member.name}
    context = {"form": form, "member": member, "title": title}
    return render(request, "dues/form.html", context, status=400 if request.method == "POST" else 200)


@login_required
def set_profile(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id, Action.CHANGE)
    form = bootstrapify(ProfileForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_set_profile(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The dues basis of %(name)s was recorded.") % {"name": member.name})
            return redirect("dues:member", member.pk)
    title = _("Dues basis of %(name)s") % {"name": member.name}
    context = {"form": form, "member": member, "title": title}
    return render(request, "dues/form.html", context, status=400 if request.method == "POST" else 200)
