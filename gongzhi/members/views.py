"""Pages of the member register. Personal data is masked everywhere; revealing it is a POST, audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.exports import add_sheet, new_workbook, workbook_response
from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere, get_for_user
from gongzhi.members import services
from gongzhi.members.forms import MemberForm, OutsidePostForm, PostAppointForm
from gongzhi.members.models import Post
from gongzhi.members.selectors import get_member_for_user, members_visible_to
from gongzhi.party.models import OrgKind
from gongzhi.party.selectors import get_org_for_user, orgs_visible_to
from gongzhi.territory.forms import bootstrapify
from gongzhi.territory.models import RESIDENTIAL_KINDS, PlaceKind
from gongzhi.territory.selectors import places_visible_to


def _filtered(request: HttpRequest):
    members = members_visible_to(request.user).search(request.GET.get("q", ""))
    org_id = request.GET.get("organization", "")
    if org_id.isdigit():
        members = members.filter(branch_id=int(org_id))
    if request.GET.get("left") != "1":
        members = members.current()
    return members


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    context = {
        "page_obj": paginate(request, _filtered(request)),
        "q": request.GET.get("q", ""),
        "can_add": can_anywhere(request.user, Action.CHANGE),
    }
    return render(request, "members/member_list.html", context)


@login_required
def member_export(request: HttpRequest) -> HttpResponse:
    """The register as a spreadsheet, with personal data masked as on screen."""
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    wb = new_workbook()
    add_sheet(
        wb,
        _("Party members"),
        [
            _("Full name"),
            _("Gender"),
            _("Birth date"),
            _("ID number"),
            _("Phone"),
            _("Branch"),
            _("Status"),
            _("Joined the party on"),
        ],
        (
            [
                m.name,
                m.get_gender_display(),
                m.birth_date,
                m.id_number_masked,
                m.phone_masked,
                m.branch.name,
                m.get_status_display(),
                m.joined_on,
            ]
            for m in _filtered(request).iterator(chunk_size=500)
        ),
    )
    return workbook_response(wb, "members")


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    path = member.branch.place.path
    context = {
        "member": member,
        "crumbs": [*member.branch.place.ancestors(), member.branch.place],
        "posts": member.posts.select_related("org").order_by("until", "-since"),
        "outside_posts": member.outside_posts.all().order_by("until", "-since"),
        "can_change": can(request.user, Action.CHANGE, path),
        "can_reveal": can(request.user, Action.REVEAL, path),
        "outside_form": bootstrapify(OutsidePostForm()),
    }
    return render(request, "members/member_detail.html", context)


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one personal value in clear to a role that needs it; the reveal is audited."""
    member = get_member_for_user(request.user, pk, Action.REVEAL)
    if field not in services.PERSONAL_FIELDS:
        raise PermissionDenied
    value = services.member_reveal(by=request.user, member=member, field=field)
    return render(request, "members/member_detail.html#revealed", {"value": value})


def _form_choices(request: HttpRequest):
    branches = orgs_visible_to(request.user, Action.CHANGE).filter(
        kind__in=[OrgKind.BRANCH, OrgKind.GENERAL_BRANCH], dissolved_on__isnull=True
    )
    places = (
        places_visible_to(request.user, Action.CHANGE)
        .open()
        .filter(kind__in=[*RESIDENTIAL_KINDS, PlaceKind.BUILDING])
    )
    return branches, places


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied
    branches, places = _form_choices(request)
    form = bootstrapify(
        MemberForm(
            request.POST or None,
            branches=branches,
            places=places,
            initial={"branch": request.GET.get("branch")},
        )
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            member = services.member_create(by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": member.name})
            return redirect("members:member_detail", member.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "members/member_form.html", {"form": form, "title": _("Register a member")}, status=status
    )


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, Action.CHANGE)
    branches, places = _form_choices(request)
    fields = [f for f in MemberForm.base_fields if f not in services.PERSONAL_FIELDS]
    initial = {f: getattr(member, f) for f in fields}
    form = bootstrapify(MemberForm(request.POST or None, branches=branches, places=places, initial=initial))
    # Personal data is never pre-filled in clear: leave it blank to keep it, type a new value to change it.
    for f in services.PERSONAL_FIELDS:
        form.fields[f].required = False
        form.fields[f].help_text = _("Leave blank to keep the current value (%(masked)s).") % {
            "masked": getattr(member, f"{f}_masked")
        }
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in services.PERSONAL_FIELDS or v}
        try:
            services.member_update(by=request.user, member=member, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("members:member_detail", member.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "member": member, "title": _("Edit %(name)s") % {"name": member.name}}
    return render(request, "members/member_form.html", context, status=status)


@login_required
@require_POST
def outside_post_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, Action.CHANGE)
    form = OutsidePostForm(request.POST)
    if form.is_valid():
        try:
            services.outside_post_add(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The post was recorded."))
    else:
        messages.error(request, _("Fill in the post, the organisation and the date."))
    return redirect("members:member_detail", member.pk)


@login_required
def org_posts(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The posts of one organisation, current and past, and the form to appoint someone."""
    org = get_org_for_user(request.user, org_pk)
    can_change = can(request.user, Action.CHANGE, org.place.path)
    candidates = members_visible_to(request.user).current().filter(branch__in=[org.pk, org.parent_id or 0])
    form = bootstrapify(PostAppointForm(request.POST or None, members=candidates))
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.post_appoint(by=request.user, org=org, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The appointment was recorded."))
                return redirect("members:org_posts", org.pk)
    posts = org.posts.select_related("member").order_by("until", "title", "-since")
    context = {
        "org": org,
        "posts": posts,
        "form": form,
        "can_change": can_change,
        "crumbs": [*org.place.ancestors(), org.place],
    }
    return render(request, "members/org_posts.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_for_user(
        Post.objects.select_related("org__place"),
        request.user,
        action=Action.CHANGE,
        path_of=lambda p: p.org.place.path,
        pk=pk,
    )
    org = post.org
    try:
        services.post_end(by=request.user, post=post, on=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:org_posts", org.pk)
