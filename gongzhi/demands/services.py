"""Every write on a demand. Each one is atomic, checks who may act, appends a timeline event, keeps the
statistics roll-up in step, writes the audit log and tells the people concerned after commit.

State machine (GLOSSARY codes):
  submitted → accepted → dispatched → in_progress → resolved → closed (rated satisfied or basic)
  resolved → reopened (rated dissatisfied) → dispatched …; after the second reopening it escalates.
  Any open state → returned (the handler sends it back with a reason) → dispatched again;
  submitted/accepted → rejected (with a reason) or merged (into a duplicate).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.audit import audit_record
from gongzhi.core.pii import validate_phone
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can
from gongzhi.core.uploads import check_photo
from gongzhi.demands import routing
from gongzhi.demands.deadlines import WARN_BEFORE, deadlines_for
from gongzhi.demands.models import (
    DESCRIPTION_MAX,
    LEVEL_ORDER,
    MAX_PHOTOS,
    OPEN_STATES,
    Category,
    CategoryAttribute,
    Channel,
    Demand,
    DemandEvent,
    DemandPhoto,
    EventKind,
    Level,
    Rating,
    Status,
)
from gongzhi.demands.tallies import contribution, tally_apply
from gongzhi.notifications.services import notify, site_text
from gongzhi.territory.models import Place, ServicePoint
from gongzhi.workdays.calendar import working_deadline

PORTAL_LIMIT_PER_HOUR = 5  # per resident account, and per network address
REOPENINGS_BEFORE_ESCALATION = 2


# Which states each action may be taken in: the services enforce it, the pages show only these actions.
ACTION_STATES: dict[str, tuple[str, ...]] = {
    "accept": (Status.SUBMITTED,),
    # Dispatching again reassigns a demand already dispatched or in progress.
    "dispatch": (
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.RETURNED,
        Status.REOPENED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
    ),
    "contact": (Status.DISPATCHED, Status.IN_PROGRESS),
    "transfer": OPEN_STATES,
    "return": (Status.DISPATCHED, Status.IN_PROGRESS),
    "extend": OPEN_STATES,
    "resolve": OPEN_STATES,
    "escalate": OPEN_STATES,
    "reject": (Status.SUBMITTED, Status.ACCEPTED),
    "merge": OPEN_STATES,
}


# Extensions of the resolution deadline, in working days, all of a demand's together.
EXTENSION_MAX_DAYS = 10

# --- helpers -------------------------------------------------------------------------------------------


def _authorise(user: Any, demand: Demand, action: str = Action.CHANGE) -> None:
    if user is not None and not can(user, action, demand.place_path):
        raise PermissionDenied


def _event(demand: Demand, kind: str, by: Any, note: str = "", at: datetime.datetime | None = None) -> None:
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    DemandEvent.objects.create(
        demand=demand,
        at=at or timezone.now(),
        actor=actor,
        kind=kind,
        status=demand.status,
        level=demand.level,
        note=note,
    )
    audit_record(
        actor=by,
        action=f"demand_{kind}",
        obj=demand,
        place_path=demand.place_path,
        changes={"status": [None, demand.status], "level": [None, demand.level]},
    )


def _locked(demand: Demand) -> Demand:
    """The demand re-read under a row lock: two people acting at once are served one after the other."""
    return (
        Demand.objects.select_for_update(of=("self",))
        .select_related("category", "place", "area")
        .get(pk=demand.pk)
    )


def _require(demand: Demand, states: Iterable[str], action_label: str) -> None:
    if demand.status not in states:
        raise ValidationError(
            _(
                "This demand is now “%(status)s”: it cannot be %(action)s. Reload the page to see what changed."
            )
            % {"status": demand.get_status_display(), "action": action_label}
        )


def _save(demand: Demand, before: dict, *fields: str) -> None:
    demand.updated_at = timezone.now()
    demand.save(update_fields=[*fields, "updated_at"])
    tally_apply(demand, before)


def _link(demand: Demand) -> str:
    return reverse("demands:detail", args=[demand.pk])


def _tell_level(demand: Demand, message: Any, **params: Any) -> None:
    """Tell the people responsible at the demand's level; `message` (lazy) is written in the site's language."""
    subject = site_text(message, **params)
    notify(
        recipients=routing.responsible_users(demand.place, demand.level), subject=subject, link=_link(demand)
    )


def _tell_resident(demand: Demand, message: Any, **params: Any) -> None:
    """Tell whoever reported it: in the portal, and by email or, without an email address, by SMS to the
    contact phone they gave (a caller without an account hears by SMS only)."""
    subject = site_text(message, **params)
    reporter = demand.submitted_by
    recipients = [reporter] if reporter is not None else []
    sms_to = demand.contact_phone if reporter is None or not reporter.email else ""
    notify(
        recipients=recipients, subject=subject, link=reverse("portal:demand", args=[demand.pk]), sms_to=sms_to
    )


# --- intake --------------------------------------------------------------------------------------------


def _check_rate(user: Any, ip: str | None, now: datetime.datetime) -> None:
    since = now - datetime.timedelta(hours=1)
    recent = Demand.objects.filter(channel=Channel.PORTAL, created_at__gte=since)
    if user is not None and recent.filter(submitted_by=user).count() >= PORTAL_LIMIT_PER_HOUR:
        raise ValidationError(
            _("You have sent %(n)d demands in the last hour. Please wait a while before sending another.")
            % {"n": PORTAL_LIMIT_PER_HOUR}
        )
    if ip and recent.filter(submitted_ip=ip).count() >= PORTAL_LIMIT_PER_HOUR:
        raise ValidationError(
            _("Too many demands were sent from this network in the last hour. Please try again later.")
        )


def _answer_error(message: str, code: str, attribute: CategoryAttribute, value: Any) -> ValidationError:
    """A refused answer. The question's code travels in the params (`attribute`), so that a form can show
    the message beside its question; Django fills in the message's placeholders from them."""
    params = {"question": attribute.description, "value": value, "attribute": attribute.code}
    return ValidationError(message, code=code, params=params)


def _check_attributes(
    category: Category, answers: dict[str, Any], questions: list[CategoryAttribute] | None = None
) -> dict[str, Any]:
    """Answers to the category's questions: required ones present, list answers among the choices."""
    clean: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for attribute in category.attributes.all() if questions is None else questions:
        value = answers.get(attribute.code)
        if value in (None, "", []):
            if attribute.required:
                errors.append(_answer_error(_("Please answer: %(question)s"), "required", attribute, value))
            continue
        keys = {str(v["key"]) for v in attribute.values}
        if attribute.datatype == "singlevaluelist" and str(value) not in keys:
            errors.append(
                _answer_error(
                    _("“%(value)s” is not one of the choices for: %(question)s"),
                    "invalid_choice",
                    attribute,
                    value,
                )
            )
        elif attribute.datatype == "multivaluelist":
            value = [value] if isinstance(value, str) else list(value)
            if not set(map(str, value)) <= keys:
                errors.append(
                    _answer_error(
                        _("Some answers are not among the choices for: %(question)s"),
                        "invalid_choice",
                        attribute,
                        value,
                    )
                )
        elif attribute.datatype == "number":
            try:
                value = float(value)
                if not math.isfinite(value):  # "nan", "inf", "1e999": not numbers JSON can hold
                    raise ValueError(value)
            except (TypeError, ValueError):
                errors.append(
                    _answer_error(_("Please answer with a number: %(question)s"), "invalid", attribute, value)
                )
        clean[attribute.code] = value
    if errors:
        raise ValidationError({"attributes": errors})
    return clean


@transaction.atomic
def demand_submit(
    *,
    by: Any,
    channel: str,
    category: Category,
    place: Place,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    lat: Any = None,
    long: Any = None,
    attributes: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    photos: list[UploadedFile] | None = None,
    ip: str | None = None,
    at: datetime.datetime | None = None,
    questions: list[CategoryAttribute] | None = None,
) -> Demand:
    """Take a demand in from any channel and route it to the station and branch of its area.

    Residents (portal) and grid workers report at any place they can see; staff entering a walk-in or a
    phone call need `change` at the place. `at` backdates a demand (demo data and imports only).
    `extra` is kept beside the answers as given (e.g. an Open311 client's media_url). `questions`, when
    the caller has read them already, are the category's attributes in their order (saves a query).
    """
    now = at or timezone.now()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = [_("Describe the problem.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [
            _("The description is longer than %(n)d characters.") % {"n": DESCRIPTION_MAX}
        ]
    if not category.active:
        errors["category"] = [_("This category is no longer in use: choose another.")]
    if not place.is_open:
        errors["place"] = [_("This place is closed.")]
    if contact_phone:
        try:
            contact_phone = validate_phone(contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]
    checked = []
    for photo in photos[:MAX_PHOTOS]:
        try:
            checked.append((photo, *check_photo(photo)))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    answers = {**(extra or {}), **_check_attributes(category, attributes or {}, questions)}
    if (
        by is not None
        and channel in (Channel.WALK_IN, Channel.PHONE)
        and not can(by, Action.CHANGE, place.path)
    ):
        raise PermissionDenied
    # Grid workers and API clients report at places they can see.
    if by is not None and channel in (Channel.GRID, Channel.API) and not can(by, Action.VIEW, place.path):
        raise PermissionDenied
    if channel == Channel.PORTAL and at is None:
        _check_rate(by, ip, now)

    area = routing.area_of(place)
    demand = Demand(
        channel=channel,
        category=category,
        place=place,
        area=area,
        place_path=place.path,
        description=description,
        address=address.strip(),
        lat=lat,
        long=long,
        attributes=answers,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
        # Who reported it, so they follow it under "my demands"; staff entering a call are not the reporter.
        submitted_by=by
        if channel in (Channel.PORTAL, Channel.GRID, Channel.API) and by is not None
        else None,
        submitted_ip=ip,
        created_at=now,
        updated_at=now,
        station=routing.station_for(place, area),
        branch=routing.branch_for(area),
        **deadlines_for(category, now),
    )
    demand.save()
    # The number carries the id, known only once the row is in: set with a plain UPDATE (no save() round).
    demand.number = f"SQ{timezone.localtime(now):%Y%m%d}{demand.pk:06d}"
    Demand.objects.filter(pk=demand.pk).update(number=demand.number)
    for upload, content_type, extension in checked:
        upload.name = f"photo.{extension}"
        DemandPhoto.objects.create(demand=demand, file=upload, content_type=content_type, size=upload.size)
    _event(demand, EventKind.SUBMITTED, by, at=now)
    tally_apply(demand, None)
    if at is None:
        _tell_level(
            demand,
            gettext_lazy("New demand %(number)s: %(category)s"),
            number=demand.number,
            category=category.name,
        )
    return demand


# --- handling ------------------------------------------------------------------------------------------


@transaction.atomic
def demand_accept(*, by: Any, demand: Demand, at: datetime.datetime | None = None) -> Demand:
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, ACTION_STATES["accept"], _("accepted"))
    before = contribution(demand)
    demand.status = Status.ACCEPTED
    _save(demand, before, "status")
    _event(demand, EventKind.ACCEPTED, by, at=at)
    return demand


@transaction.atomic
def demand_dispatch(
    *,
    by: Any,
    demand: Demand,
    handler: Any = None,
    station: ServicePoint | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Demand:
    """Send the demand to the station (and a named handler) that will deal with it."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, ACTION_STATES["dispatch"], _("dispatched"))
    if handler is not None and not can(handler, Action.CHANGE, demand.place_path):
        raise ValidationError(
            {"handler": [_("%(name)s cannot handle demands at this place.") % {"name": handler}]}
        )
    before = contribution(demand)
    demand.status = Status.DISPATCHED
    demand.handler = handler or demand.handler
    demand.station = station or demand.station
    demand.dispatched_at = demand.dispatched_at or at or timezone.now()
    demand.dispatch_level = demand.dispatch_level or demand.level  # the first dispatch's level stays
    _save(demand, before, "status", "handler", "station", "dispatched_at", "dispatch_level")
    _event(demand, EventKind.DISPATCHED, by, note, at=at)
    if handler is not None:
        subject = site_text(gettext_lazy("Demand %(number)s was assigned to you"), number=demand.number)
        notify(recipients=[handler], subject=subject, link=_link(demand))
    return demand


@transaction.atomic
def demand_contact(*, by: Any, demand: Demand, note: str = "", at: datetime.datetime | None = None) -> Demand:
    """Record the first contact with the resident; handling is then in progress."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, ACTION_STATES["contact"], _("marked as contacted"))
    before = contribution(demand)
    demand.status = Status.IN_PROGRESS
    demand.contacted_at = demand.contacted_at or at or timezone.now()
    _save(demand, before, "status", "contacted_at")
    _event(demand, EventKind.CONTACTED, by, note, at=at)
    return demand


@transaction.atomic
def demand_transfer(*, by: Any, demand: Demand, station: ServicePoint, reason: str) -> Demand:
    """Hand the demand to another station (wrongly routed)."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, OPEN_STATES, _("transferred"))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it is transferred.")]})
    before = contribution(demand)
    demand.station, demand.handler, demand.status = station, None, Status.DISPATCHED
    _save(demand, before, "station", "handler", "status")
    _event(demand, EventKind.TRANSFERRED, by, f"{station.name}: {reason.strip()}")
    return demand


@transaction.atomic
def demand_return(*, by: Any, demand: Demand, reason: str) -> Demand:
    """The handler sends the demand back to be dispatched again, with a reason."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, ACTION_STATES["return"], _("returned"))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it is returned.")]})
    before = contribution(demand)
    demand.status, demand.handler = Status.RETURNED, None
    _save(demand, before, "status", "handler")
    _event(demand, EventKind.RETURNED, by, reason.strip())
    return demand


@transaction.atomic
def demand_extend(*, by: Any, demand: Demand, days: int, reason: str) -> Demand:
    """Extend the resolution deadline by `days` working days (at most EXTENSION_MAX_DAYS in all), with a
    reason; a refusal says how many days are left."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, OPEN_STATES, _("extended"))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why more time is needed.")]})
    left = EXTENSION_MAX_DAYS - demand.extension_days
    if left <= 0:
        raise ValidationError(
            {
                "days": [
                    _("This demand has had the %(n)d working days of extension it may have.")
                    % {"n": EXTENSION_MAX_DAYS}
                ]
            }
        )
    if days < 1 or days > left:
        message = _("An extension is 1 to 10 working days in all.")
        if demand.extension_days:
            message = _("%(granted)d working days were granted already: at most %(left)d more.") % {
                "granted": demand.extension_days,
                "left": left,
            }
        raise ValidationError({"days": [message]})
    before = contribution(demand)
    demand.extension_days += days
    # From the deadline the resident was given, not from the category's limit now: the catalogue may have
    # changed since (demands.catalogue), and an extension only ever adds time.
    extended = working_deadline(demand.resolve_due, days)
    demand.level_due = max(demand.level_due, extended)
    demand.resolve_due = extended
    demand.warned_at = None
    _save(demand, before, "extension_days", "resolve_due", "level_due", "warned_at")
    _event(
        demand,
        EventKind.EXTENSION_GRANTED,
        by,
        site_text(gettext_lazy("%(days)d working days: %(reason)s"), days=days, reason=reason.strip()),
    )
    return demand


@transaction.atomic
def demand_resolve(*, by: Any, demand: Demand, reply: str, at: datetime.datetime | None = None) -> Demand:
    """Close the handling with a reply to the resident. Two people resolving at once: the second is told."""
    demand = _locked(demand)
    _authorise(by, demand)
    if demand.status == Status.RESOLVED:
        last = demand.events.filter(kind=EventKind.RESOLVED).select_related("actor").last()
        who = last.actor if last and last.actor else _("someone else")
        raise ValidationError(_("%(who)s has already resolved this demand.") % {"who": who})
    _require(demand, OPEN_STATES, _("resolved"))
    if not reply.strip():
        raise ValidationError({"reply": [_("Write the reply the resident will read.")]})
    before = contribution(demand)
    demand.status = Status.RESOLVED
    demand.reply = reply.strip()
    demand.resolved_at = at or timezone.now()
    demand.closed_level = demand.level
    _save(demand, before, "status", "reply", "resolved_at", "closed_level")
    _event(demand, EventKind.RESOLVED, by, demand.reply, at=at)
    _tell_resident(
        demand,
        gettext_lazy("Your demand %(number)s was resolved: please rate the answer"),
        number=demand.number,
    )
    # The people whose reports were merged into this one hear of the answer too (they do not rate it).
    for duplicate in demand.duplicates.filter(status=Status.MERGED).select_related("submitted_by"):
        _tell_resident(
            duplicate,
            gettext_lazy("%(other)s, which your demand %(number)s was merged into, was answered"),
            number=duplicate.number,
            other=demand.number,
        )
    return demand


@transaction.atomic
def demand_rate(
    *, by: Any, demand: Demand, rating: str, comment: str = "", at: datetime.datetime | None = None
) -> Demand:
    """The resident rates the answer. Dissatisfied reopens it; the second reopening escalates it."""
    demand = _locked(demand)
    if by is not None and demand.submitted_by_id != getattr(by, "pk", None):
        raise PermissionDenied
    _require(demand, (Status.RESOLVED,), _("rated"))
    if rating not in Rating.values:
        raise ValidationError({"rating": [_("Choose satisfied, basically satisfied or dissatisfied.")]})
    before = contribution(demand)
    demand.rating, demand.rating_comment = rating, comment.strip()
    if rating == Rating.DISSATISFIED:
        demand.status = Status.REOPENED
        demand.reopen_count += 1
        demand.resolved_at = None
        demand.closed_level = ""
        # The level gets a fresh time limit for the second attempt (resolve_due, the promise the statistics
        # measure, stays): else a rating given after the deadline would have the sweep escalate at once.
        demand.level_due = max(
            demand.level_due, deadlines_for(demand.category, at or timezone.now())["level_due"]
        )
        demand.warned_at = None
    else:
        demand.status = Status.CLOSED
        demand.closed_at = at or timezone.now()
    _save(
        demand,
        before,
        "rating",
        "rating_comment",
        "status",
        "reopen_count",
        "resolved_at",
        "closed_level",
        "closed_at",
        "level_due",
        "warned_at",
    )
    rating = site_text(Rating(demand.rating).label)
    _event(demand, EventKind.RATED, by, f"{rating} {demand.rating_comment}".strip(), at=at)
    if demand.status == Status.REOPENED:
        _event(demand, EventKind.REOPENED, by, at=at)
        if demand.reopen_count >= REOPENINGS_BEFORE_ESCALATION:
            _escalate(demand, site_text(gettext_lazy("Reopened %(n)d times"), n=demand.reopen_count), at=at)
        else:
            _tell_level(
                demand,
                gettext_lazy("Demand %(number)s was reopened: the resident is dissatisfied"),
                number=demand.number,
            )
    return demand


def _escalate(demand: Demand, reason: str, by: Any = None, at: datetime.datetime | None = None) -> bool:
    """Raise the demand one level; the next level gets a fresh time limit, counted from `at` (now), never
    less than the time the demand had left."""
    index = LEVEL_ORDER.index(Level(demand.level))
    if index + 1 >= len(LEVEL_ORDER):
        return False
    before = contribution(demand)
    demand.level = LEVEL_ORDER[index + 1]
    demand.level_due = max(
        demand.level_due, deadlines_for(demand.category, at or timezone.now())["level_due"]
    )
    demand.warned_at = None
    _save(demand, before, "level", "level_due", "warned_at")
    _event(demand, EventKind.ESCALATED, by, reason, at=at)
    _tell_level(
        demand,
        gettext_lazy("Demand %(number)s was escalated to you: %(reason)s"),
        number=demand.number,
        reason=reason,
    )
    return True


@transaction.atomic
def demand_escalate(*, by: Any, demand: Demand, reason: str, at: datetime.datetime | None = None) -> Demand:
    """Raise the demand one level (station → community → subdistrict) by hand. `at` backdates (demo data)."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, OPEN_STATES, _("escalated"))
    if not _escalate(demand, reason.strip() or site_text(gettext_lazy("Escalated by hand")), by, at):
        raise ValidationError(_("This demand is already at the subdistrict."))
    return demand


@transaction.atomic
def demand_reject(*, by: Any, demand: Demand, reason: str) -> Demand:
    """Refuse a demand that is not for the community to handle, telling the resident why."""
    demand = _locked(demand)
    _authorise(by, demand)
    _require(demand, ACTION_STATES["reject"], _("refused"))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it cannot be accepted.")]})
    before = contribution(demand)
    demand.status, demand.reply = Status.REJECTED, reason.strip()
    _save(demand, before, "status", "reply")
    _event(demand, EventKind.REJECTED, by, demand.reply)
    _tell_resident(demand, gettext_lazy("Your demand %(number)s could not be accepted"), number=demand.number)
    return demand


@transaction.atomic
def demand_merge(*, by: Any, demand: Demand, into: Demand) -> Demand:
    """Merge a duplicate (same place, same problem) into another open demand."""
    demand = _locked(demand)
    _authorise(by, demand)
    _authorise(by, into)
    if demand.pk == into.pk:
        raise ValidationError(_("A demand cannot be merged into itself."))
    _require(demand, OPEN_STATES, _("merged"))
    if into.status not in OPEN_STATES:
        raise ValidationError(_("Merge into an open demand."))
    before = contribution(demand)
    demand.status, demand.merged_into = Status.MERGED, into
    _save(demand, before, "status", "merged_into")
    _event(demand, EventKind.MERGED, by, into.number)
    note = site_text(gettext_lazy("%(number)s was merged into this demand"), number=demand.number)
    _event(into, EventKind.NOTE, by, note)
    _tell_resident(
        demand,
        gettext_lazy("Your demand %(number)s is handled together with %(other)s"),
        number=demand.number,
        other=into.number,
    )
    return demand


def demand_reveal(*, by: Any, demand: Demand) -> str:
    """The contact phone in clear, for roles that need it; every reveal is audited."""
    _authorise(by, demand, Action.REVEAL)
    audit_record(
        actor=by,
        action="reveal",
        obj=demand,
        place_path=demand.place_path,
        changes={"contact_phone": ["***", "revealed"]},
    )
    return demand.contact_phone


@transaction.atomic
def demand_put_on_agenda(*, by: Any, demand: Demand, agenda_ref: str, note: str = "") -> Demand:
    """Link the demand to a consultation committee's agenda item."""
    demand = _locked(demand)
    _authorise(by, demand)
    demand.agenda_ref = agenda_ref
    demand.save(update_fields=["agenda_ref"])
    _event(demand, EventKind.AGENDA, by, note or agenda_ref)
    return demand


# --- deadlines -----------------------------------------------------------------------------------------


def sweep_deadlines(now: datetime.datetime | None = None) -> dict[str, int]:
    """Warn before resolution deadlines and escalate overdue demands one level. Idempotent: a demand is
    warned once per level, and escalated once per passed deadline (the deadline is then counted afresh
    from the escalation for the next level)."""
    now = now or timezone.now()
    warned = escalated = 0
    soon = Demand.objects.open().filter(
        warned_at__isnull=True, level_due__gt=now, level_due__lte=now + WARN_BEFORE
    )
    for demand_id in soon.values_list("pk", flat=True):
        with transaction.atomic():
            demand = _locked(Demand(pk=demand_id))
            if demand.warned_at is None and demand.status in OPEN_STATES:
                demand.warned_at = now
                demand.save(update_fields=["warned_at"])
                due = f"{timezone.localtime(demand.level_due):%Y-%m-%d %H:%M}"
                _event(
                    demand, EventKind.WARNED, None, site_text(gettext_lazy("Due by %(due)s"), due=due), at=now
                )
                _tell_level(
                    demand, gettext_lazy("Demand %(number)s is due within a day"), number=demand.number
                )
                warned += 1
    overdue = Demand.objects.overdue(now).exclude(level=Level.SUBDISTRICT)
    for demand_id in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            demand = _locked(Demand(pk=demand_id))
            if (
                demand.status in OPEN_STATES
                and demand.level_due < now
                and _escalate(demand, site_text(gettext_lazy("Not resolved in time")), at=now)
            ):
                escalated += 1
    return {"warned": warned, "escalated": escalated}
