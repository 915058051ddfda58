"""Pages for transfers: the list with its status filter, the issue form and the receive action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.forms import add_service_errors
from gongzhi.core.paging import paginate
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, require_anywhere
from gongzhi.members.models import Member
from gongzhi.party.selectors import get_org_for_user
from gongzhi.territory.forms import bootstrapify
from gongzhi.transfers import services
from gongzhi.transfers.forms import TransferIssueForm, TransferReceiveForm
from gongzhi.transfers.models import TransferStatus
from gongzhi.transfers.selectors import branches_visible_to, get_transfer_for_user, transfers_visible_to


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Transfers in the user's scope, or of one branch (`?org=`), filtered by status."""
    require_anywhere(request.user, Action.VIEW)
    transfers = transfers_visible_to(request.user)
    org = None
    if request.GET.get("org"):
        org = get_org_for_user(request.user, request.GET["org"])
        transfers = transfers.filter(branch=org)
    status = request.GET.get("status", "")
    if status in TransferStatus.values:
        transfers = transfers.with_status(status)
    page = paginate(request, transfers)
    for transfer in page:
        transfer.can_receive = transfer.current_status == TransferStatus.ISSUED and can(
            request.user, Action.CHANGE, transfer.branch.place.path
        )
    context = {
        "page_obj": page,
        "org": org,
        "status": status,
        "statuses": TransferStatus.choices,
        "branches": branches_visible_to(request.user),
        "can_issue": org is not None and can(request.user, Action.CHANGE, org.place.path),
    }
    return render(request, "transfers/list.html", context)


@login_required
def transfer_issue(request: HttpRequest, org_id: int) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    org = get_org_for_user(request.user, org_id, Action.CHANGE)
    members = Member.objects.current().filter(branch=org).order_by("pinyin", "id")
    form = bootstrapify(TransferIssueForm(request.POST or None, members=members, initial=request.GET.dict()))
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_issue(by=request.user, branch=org, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(letter)s for %(name)s recorded, valid until %(day)s.")
                % {
                    "letter": transfer.get_letter_kind_display(),
                    "name": transfer.name,
                    "day": transfer.valid_until,
                },
            )
            return redirect(f"{reverse('transfers:list')}?org={org.pk}")
    title = _("Issue or register a transfer letter: %(name)s") % {"name": org.name}
    context = {"form": form, "org": org, "title": title}
    return render(request, "transfers/form.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request.user, Action.VIEW)
    transfer = get_transfer_for_user(request.user, pk, Action.CHANGE)
    form = TransferReceiveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Enter the date of receipt as YYYY-MM-DD."))
        received_on = form.cleaned_data["received_on"]
        transfer = services.transfer_receive(by=request.user, transfer=transfer, received_on=received_on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The letter for %(name)s was received.") % {"name": transfer.name})
    return redirect(f"{reverse('transfers:list')}?org={transfer.branch_id}")
