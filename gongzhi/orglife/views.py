"""Pages for organisational life: the branches, each one's records and compliance calendar, record forms."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere, get_for_user
from gongzhi.members.models import Member
from gongzhi.orglife import services
from gongzhi.orglife.calendar import life_calendar
from gongzhi.orglife.forms import AttachmentForm, LifeRecordForm, initial_for
from gongzhi.orglife.models import AttachmentKind, LifeAttachment, LifeRecord
from gongzhi.orglife.rules import LifeType
from gongzhi.orglife.selectors import (
    BRANCH_KINDS,
    get_record_for_user,
    life_branches_visible_to,
    missed_quotas_visible_to,
    party_groups,
    records_of,
)
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.party.selectors import get_org_for_user
from gongzhi.territory.forms import bootstrapify


def _life_org(request: HttpRequest, org_id: int, action: str = Action.VIEW) -> PartyOrg:
    """A branch, general branch or party group in the user's scope: the organisations that keep records."""
    org = get_org_for_user(request.user, org_id, action)
    if org.kind not in (*BRANCH_KINDS, OrgKind.GROUP):
        raise Http404
    return org


def _branch(org: PartyOrg) -> PartyOrg:
    return org.parent if org.kind == OrgKind.GROUP else org


def _year(request: HttpRequest, default: int) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None if request.GET.get("year") in (None, "") else default
    return year if 1921 <= year <= default + 1 else default


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The branches in scope, with the ones that missed a quota in the last completed period first."""
    if not can_anywhere(request.user, Action.VIEW):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    branches = life_branches_visible_to(request.user).search(q)
    alerts = missed_quotas_visible_to(request.user)
    if request.GET.get("missed") == "1":
        branches = branches.filter(pk__in=[b.pk for b in alerts])
    context = {
        "page_obj": paginate(request, branches),
        "q": q,
        "missed_only": request.GET.get("missed") == "1",
        "life_alerts": alerts,
        "missed_by_branch": {b.pk: b.life_missed for b in alerts},
    }
    return render(request, "orglife/index.html", context)


def _date(request: HttpRequest, name: str) -> datetime.date | None:
    """An ISO date from the query string; anything else is ignored rather than an error page."""
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def record_list(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _life_org(request, org_id)
    today = timezone.localdate()
    records = records_of(org)
    kind = request.GET.get("type", "")
    if kind in LifeType.values:
        records = records.filter(type=kind)
    year = _year(request, today.year)
    if year:
        records = records.filter(held_on__year=year)
    # A date window, e.g. "from the branch's founding to the end of January 2019".
    since, until = _date(request, "since"), _date(request, "until")
    if since:
        records = records.filter(held_on__gte=since)
    if until:
        records = records.filter(held_on__lte=until)
    first = org.established_on.year if org.established_on else today.year - 10
    context = {
        "org": org,
        "page_obj": paginate(request, records),
        "type": kind,
        "year": year,
        "types": LifeType.choices,
        "years": list(range(today.year, max(first, today.year - 30) - 1, -1)),
        "since": since,
        "until": until,
        "filtered": bool(kind or year or since or until),
        "can_change": org.dissolved_on is None and can(request.user, Action.CHANGE, org.place.path),
    }
    return render(request, "orglife/record_list.html", context)


def _form_members(branch: PartyOrg, record: LifeRecord | None = None) -> list[Member]:
    """The branch's current members, and on a correction anyone the record already names."""
    keep = Q(left_on__isnull=True)
    if record is not None:
        named = {record.chair_id, record.note_taker_id, *(m.pk for m in record.attendees.all())}
        named |= {m.pk for m in record.on_leave.all()} | {g.member_id for g in record.grades.all()}
        keep |= Q(pk__in=[pk for pk in named if pk])
    return list(Member.objects.filter(branch=branch).filter(keep).order_by("pinyin", "id"))


def _record_form(request: HttpRequest, org: PartyOrg, record: LifeRecord | None = None) -> LifeRecordForm:
    branch = _branch(org)
    fixed = org if org.kind == OrgKind.GROUP else None
    initial = initial_for(record) if record is not None else {"type": request.GET.get("type", "")}
    form = LifeRecordForm(
        request.POST or None,
        request.FILES or None,
        members=_form_members(branch, record),
        groups=party_groups(branch).filter(dissolved_on__isnull=True),
        fixed_group=fixed,
        initial=initial,
    )
    return bootstrapify(form)


def _target(org: PartyOrg, form: LifeRecordForm) -> PartyOrg:
    """Who held it: the party group for a group meeting, the branch otherwise."""
    if form.fixed_group is not None:
        return form.fixed_group
    if form.cleaned_data["type"] == LifeType.GROUP_MEETING:
        return form.cleaned_data["group"]
    return _branch(org)


def _attach_uploads(request: HttpRequest, record: LifeRecord, form: LifeRecordForm) -> None:
    for kind, name in ((AttachmentKind.PHOTO, "photo"), (AttachmentKind.SIGN_IN_SHEET, "sign_in_sheet")):
        if form.cleaned_data.get(name):
            services.life_attachment_add(
                by=request.user, record=record, kind=kind, file=form.cleaned_data[name]
            )


@login_required
def record_create(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _life_org(request, org_id, Action.CHANGE)
    form = _record_form(request, org)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                record = services.life_record_create(
                    by=request.user, org=_target(org, form), **form.service_data()
                )
                _attach_uploads(request, record, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("orglife:record_detail", record.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "org": org, "title": _("Record organisational life")}
    return render(request, "orglife/record_form.html", context, status=status)


@login_required
def record_update(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_record_for_user(request.user, pk, Action.CHANGE)
    org = record.org
    form = _record_form(request, org, record)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.life_record_update(
                    by=request.user, record=record, org=_target(org, form), **form.service_data()
                )
                _attach_uploads(request, record, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The record was corrected."))
            return redirect("orglife:record_detail", record.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "org": _branch(org), "record": record, "title": _("Correct the record")}
    return render(request, "orglife/record_form.html", context, status=status)


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_record_for_user(request.user, pk)
    can_change = record.org.dissolved_on is None and can(request.user, Action.CHANGE, record.org.place.path)
    context = {
        "record": record,
        "branch": _branch(record.org),
        "attendees": record.attendees.order_by("pinyin", "id"),
        "on_leave": record.on_leave.order_by("pinyin", "id"),
        "grades": record.grades.select_related("member"),
        "attachments": record.attachments.all(),
        "can_change": can_change,
        "attachment_form": bootstrapify(AttachmentForm()) if can_change else None,
    }
    return render(request, "orglife/record_detail.html", context)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_record_for_user(request.user, pk, Action.CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("orglife:record_detail", record.pk)
    try:
        services.life_attachment_add(by=request.user, record=record, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The file was added."))
    return redirect("orglife:record_detail", record.pk)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """Photos and sign-in sheets show people: served only to users who may read the record."""
    attachment = get_for_user(
        LifeAttachment.objects.select_related("record__org__place"),
        request.user,
        action=Action.VIEW,
        path_of=lambda a: a.record.org.place.path,
        pk=pk,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )


@login_required
def calendar(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _life_org(request, org_id)
    today = timezone.localdate()
    year = _year(request, today.year) or today.year
    first = org.established_on.year if org.established_on else year
    context = {
        "org": org,
        "year": year,
        "previous_year": year - 1 if year > first else None,
        "next_year": year + 1 if year < today.year else None,
        "calendar": life_calendar(org, year, today=today),
        "can_change": org.dissolved_on is None and can(request.user, Action.CHANGE, org.place.path),
    }
    return render(request, "orglife/calendar.html", context)
