"""Demo resident demands for the Bantian demo: the category catalogue, then eight years of demands in every
community, written through the demand services with backdated times.

Deterministic: each place draws from its own `random.Random` seeded with its code, and the only input that
moves is the present, where the history ends (demands whose next step would lie in the future stay open).
Most demands are resolved at their station and rated; a few are reopened after a dissatisfied rating, a few
stay open past their deadline, and a few of those were raised to the community.

The article's figures come out of the records (data/demo-demands.yaml, `article`): 城市广场's branch, founded
2018-08-01, resolved 15 problems such as noise and garbage collection by 2019-01-31, so the statistics for
城市广场 over that window count exactly those 15. The estate's five-year problem of access to medical care
is a demand raised again on 2018-06-15 (before the branch existed, so outside the window), resolved in
April 2019 with the construction of the 城广社康中心, and linked to the estate affairs consultation
committee's agenda by a readable reference until the deliberation app gives committees records of their own.

What the services cannot backdate (they take no `at=`), and how the demo lives with it:
- `demand_escalate`: raising a demand one level stamps today's time; historical demands are escalated only
  when the service accepts `at=` (checked below), and open overdue demands are raised today, which is true.
- `demand_put_on_agenda`: the medical demand's agenda event carries the time the demo was loaded.
- every service sets `updated_at` to the present.
Notifications: the services tell residents about resolutions, so historical demands carry no phone number
for people without an account (no text message goes out for a 2019 answer); only open demands have one.
"""

from __future__ import annotations

import calendar
import datetime
import inspect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.demands import services
from gongzhi.demands.models import (
    OPEN_STATES,
    Category,
    CategoryAttribute,
    Demand,
    Level,
    Rating,
    Status,
    Urgency,
)
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notification_mark_read
from gongzhi.territory.models import Place, PlaceKind

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo-demands.yaml"
HISTORY_FROM = datetime.date(2018, 1, 1)
PLACE_KINDS = (
    PlaceKind.COMMUNITY,
    PlaceKind.RESIDENTS_COMMITTEE,
    PlaceKind.RESIDENT_GROUP,
    PlaceKind.GARDEN_ESTATE,
    PlaceKind.INDEPENDENT_AREA,
    PlaceKind.INDUSTRIAL_PARK,
)
SPOT_KIND = {
    PlaceKind.RESIDENTS_COMMITTEE: "village",
    PlaceKind.RESIDENT_GROUP: "village",
    PlaceKind.INDEPENDENT_AREA: "village",
}
# Demo accounts that act on demands: the branch secretary of 大光勘, 五和's community staff, the resident
# of 城市广场 and the grid worker of 五和新村. Elsewhere the station staff have no account (by=None).
SECRETARY_AT = {"dagangkan": "dgk"}
COMMUNITY_STAFF_AT = {"wuhe": "wuhe"}
RESIDENT_AT = {"city-plaza": "resident"}
GRID_WORKER_AT = {"wuhe-xincun": "grid"}
# Open demands (days old, channel) where the demo accounts work: 大光勘's secretary has a worklist (the
# oldest one overdue), the grid worker and 城市广场's resident follow what they reported themselves.
SHOWCASE = {
    "dagangkan": ((1, "phone"), (3, "walk_in"), (12, "portal")),
    "wuhe-xincun": ((2, "grid"), (8, "grid")),
    "city-plaza": ((4, "portal"),),
}
# Historical escalations need a backdatable escalation; without one, only open demands are raised (today).
ESCALATE_TAKES_AT = "at" in inspect.signature(services.demand_escalate).parameters

SHARES = {
    "accept": 0.35,  # accepted (受理) as a step of its own before dispatch
    "late_dispatch": 0.05,
    "escalated": 0.05,  # raised to the community before it was resolved (when backdatable)
    "pending": 0.6,  # of the last 10 days' demands: still being handled
    "stuck": 0.08,  # of those 10 to 90 days old: still open, overdue by now
    "unrated": 0.08,
    "dissatisfied": 0.04,  # rated dissatisfied, reopened, answered again
    "satisfied": 0.8,  # of the final ratings; the rest are "basic"
}


@dataclass
class Step:
    kind: str  # accept, dispatch, contact, escalate, resolve, rate
    at: datetime.datetime
    note: str = ""
    rating: str = ""

    def __post_init__(self) -> None:
        self.at = self.at.replace(microsecond=0)


@dataclass
class Plan:
    """One demand: what is submitted, then the steps that happened before now."""

    place: Place
    category: Category
    channel: str
    created: datetime.datetime
    description: str
    answers: dict[str, Any]
    address: str
    contact_name: str
    steps: list[Step]
    submitter: str = ""  # username of the account that submitted it (portal, grid), if any
    phone: str = ""
    agenda: tuple[str, str] | None = None

    @property
    def stays_open(self) -> bool:
        """Still open after its last step: not resolved, or reopened by a dissatisfied rating."""
        last = self.steps[-1] if self.steps else None
        if last is None or last.kind not in ("resolve", "rate"):
            return True
        return last.kind == "rate" and last.rating == Rating.DISSATISFIED


def read_data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def load_catalogue(data: dict[str, Any] | None = None) -> dict[str, Category]:
    """The demand categories and their questions, created by code when missing; existing ones are kept
    as an administrator may have edited them."""
    data = data or read_data()
    for order, row in enumerate(data["categories"]):
        category, _created = Category.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "description": row.get("description", ""),
                "group": row.get("group", ""),
                "keywords": row.get("keywords", ""),
                "urgency": row.get("urgency", Urgency.GENERAL),
                "limit_days": row["limit_days"],
                "order": (order + 1) * 10,
            },
        )
        for position, attribute in enumerate(row.get("attributes", [])):
            CategoryAttribute.objects.get_or_create(
                category=category,
                code=attribute["code"],
                defaults={
                    "datatype": attribute["datatype"],
                    "required": attribute.get("required", False),
                    "description": attribute["description"],
                    "datatype_description": attribute.get("datatype_description", ""),
                    "order": position + 1,
                    "values": attribute.get("values", []),
                },
            )
    return {c.code: c for c in Category.objects.filter(code__in=[r["code"] for r in data["categories"]])}


# --- planning ------------------------------------------------------------------------------------------


def _zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


def _aware(text: str) -> datetime.datetime:
    """A local time from the data file ("2018-08-06 20:15", settings.TIME_ZONE)."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=_zone())


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _by_year(table: dict[int, Any], year: int) -> Any:
    return table[max(y for y in table if y <= year)]


def _office_hours(moment: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """The same moment, or the next morning (9 o'clock) when it falls outside 9:00–18:00 local time."""
    local = moment.astimezone(_zone())
    if local.hour >= 18:
        local = (local + datetime.timedelta(days=1)).replace(hour=9, minute=rng.randint(0, 59))
    elif local.hour < 9:
        local = local.replace(hour=9, minute=rng.randint(0, 59))
    return local


class _Writer:
    """Fills templates for one place: spots, callers' names, phone numbers."""

    def __init__(self, data: dict[str, Any], place: Place, rng: random.Random):
        self.data, self.place, self.rng = data, place, rng
        self.spots = data["spots"][SPOT_KIND.get(place.kind, place.kind)]

    def fill(self, text: str, spot: str = "", other: str = "") -> str:
        return text.format(area=self.place.name, spot=spot, other=other, n=self.rng.randint(2, 6))

    def spot(self) -> str:
        rng = self.rng
        return rng.choice(self.spots["spot"]).format(
            n=rng.randint(1, 18), u=rng.randint(1, 4), lane=rng.randint(1, 30), no=rng.randint(1, 40)
        )

    def other(self) -> str:
        return self.rng.choice(self.spots["other"])

    def caller(self) -> str:
        return self.rng.choice(self.data["surnames"]) + self.rng.choice(self.data["notes"]["titles"])

    def phone(self) -> str:
        return f"13{self.rng.randint(0, 9)}{self.rng.randint(0, 99_999_999):08d}"


def _steps(
    rng: random.Random,
    data: dict[str, Any],
    category: Category,
    created: datetime.datetime,
    reply: str,
    *,
    may_escalate: bool,
    stuck: bool,
) -> list[Step]:
    """A plausible handling history: accept, dispatch, first contact, resolution, rating."""
    hours = datetime.timedelta(hours=1)
    steps: list[Step] = []
    t = created
    if rng.random() < SHARES["accept"]:
        t += datetime.timedelta(minutes=rng.randint(3, 20))
        steps.append(Step("accept", t))
    within = 25 if category.urgency == Urgency.URGENT else 100
    dispatch = created + datetime.timedelta(minutes=rng.randint(5, within))
    if rng.random() < SHARES["late_dispatch"]:
        dispatch += hours * rng.uniform(2, 8)
    t = max(t, dispatch) + datetime.timedelta(minutes=1)
    steps.append(Step("dispatch", t))
    t += hours * rng.uniform(0.5, 22 if category.urgency == Urgency.GENERAL else 3)
    if category.urgency == Urgency.GENERAL:
        t = _office_hours(t, rng)
    steps.append(Step("contact", t, note=data["notes"]["contacted"]))
    if stuck:  # still being handled: dispatched, or in progress after the first contact
        return steps if rng.random() < 0.75 else steps[:-1]
    # Calendar days; most answers come well inside the time limit, a few after it.
    days = rng.triangular(0.1, category.limit_days * 1.6, category.limit_days * 0.35)
    resolved = _office_hours(max(created + datetime.timedelta(days=days), t + hours), rng)
    if may_escalate and rng.random() < SHARES["escalated"]:
        raised = t + (resolved - t) / 2
        steps.append(Step("escalate", raised, note=data["notes"]["escalated"]))
        resolved = _office_hours(resolved + datetime.timedelta(days=rng.uniform(1, 4)), rng)
    steps.append(Step("resolve", resolved, note=reply))
    if rng.random() < SHARES["unrated"]:
        return steps
    rated = resolved + hours * rng.uniform(2, 72)
    if rng.random() < SHARES["dissatisfied"]:
        steps.append(Step("rate", rated, note=rng.choice(data["dissatisfied"]), rating=Rating.DISSATISFIED))
        again = rated + hours * rng.uniform(1, 4)
        steps.append(Step("dispatch", again, note=data["notes"]["redispatched"]))
        steps.append(Step("contact", again + hours * rng.uniform(1, 20), note=data["notes"]["revisited"]))
        resolved = _office_hours(again + datetime.timedelta(days=rng.uniform(1, 5)), rng)
        steps.append(Step("resolve", resolved, note=rng.choice(data["followups"])))
        rated = resolved + hours * rng.uniform(2, 48)
    rating = Rating.SATISFIED if rng.random() < SHARES["satisfied"] else Rating.BASIC
    steps.append(Step("rate", rated, rating=rating))
    return steps


def _until_now(steps: list[Step], now: datetime.datetime) -> list[Step]:
    """The steps that have happened by now: the history stops at the first one still to come."""
    done = []
    for step in steps:
        if step.at >= now:
            break
        done.append(step)
    return done


def _channel(rng: random.Random, data: dict[str, Any], year: int) -> str:
    weights = _by_year(data["channel_weights"], year)
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _plan_one(
    rng: random.Random,
    writer: _Writer,
    data: dict[str, Any],
    categories: dict[str, Category],
    local: datetime.datetime,
    now: datetime.datetime,
    *,
    showcase: str = "",
) -> Plan:
    """One demand at the writer's place submitted at `local`, with its history up to now. `showcase`: a
    channel; the demand is then still open, and reported by the demo account of the place if it has one."""
    place = writer.place
    weights = data["category_weights"][place.kind]
    code = rng.choices(list(weights), weights=list(weights.values()))[0]
    category = categories[code]
    template = rng.choice(data["descriptions"][code])
    spot, other = writer.spot(), writer.other()
    channel = showcase or _channel(rng, data, local.year)
    reply = writer.fill(template["reply"], spot, other)
    age = now - local
    if age <= datetime.timedelta(days=10):
        pending = rng.random() < SHARES["pending"]
    else:
        pending = age <= datetime.timedelta(days=90) and rng.random() < SHARES["stuck"]
    stuck = pending or bool(showcase)
    steps = _until_now(
        _steps(rng, data, category, local, reply, may_escalate=ESCALATE_TAKES_AT, stuck=stuck), now
    )
    caller, phone = writer.caller(), writer.phone()
    submitter = ""
    if channel == "portal" and place.code in RESIDENT_AT and (rng.random() < 0.5 or showcase):
        submitter = RESIDENT_AT[place.code]
    if channel == "grid" and place.code in GRID_WORKER_AT and age < datetime.timedelta(days=730):
        submitter = GRID_WORKER_AT[place.code]
    # A phone number only where no answer will be texted to it (see the module docstring).
    answered = any(step.kind == "resolve" for step in steps)
    return Plan(
        place=place,
        category=category,
        channel=channel,
        created=local,
        description=writer.fill(template["text"], spot, other),
        answers=dict(template.get("answers", {})),
        address=f"{place.name}{spot}" if "{spot}" in template["text"] else f"{place.name}{other}",
        contact_name="" if submitter else caller,
        steps=steps,
        submitter=submitter,
        phone="" if submitter or answered or channel == "grid" else phone,
    )


def _generic_plans(
    data: dict[str, Any],
    place: Place,
    categories: dict[str, Category],
    start: datetime.date,
    now: datetime.datetime,
) -> list[Plan]:
    """Demands at one place, month by month from `start` to now, and the showcase's open ones."""
    rng = random.Random(f"demands:{place.code}")
    writer = _Writer(data, place, rng)
    rate = data["monthly_rate"][place.kind]
    today = timezone.localdate(now, _zone())
    latest = now - datetime.timedelta(minutes=10)
    plans = []
    year, month = start.year, start.month
    while (year, month) <= (today.year, today.month):
        season = 1.15 if 6 <= month <= 9 else 1.0
        count = _poisson(rng, rate * season * data["ramp"].get(year, 1.0))
        last_day = calendar.monthrange(year, month)[1]
        for _ in range(count):
            local = datetime.datetime(
                year,
                month,
                rng.randint(1, last_day),
                rng.choice((7, 8, 9, 10, 10, 11, 14, 15, 16, 17, 19, 20, 21, 22)),
                rng.randint(0, 59),
                tzinfo=_zone(),
            )
            plan = _plan_one(rng, writer, data, categories, local, now)
            if local < latest:
                plans.append(plan)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for days_ago, channel in SHOWCASE.get(place.code, ()):
        local = timezone.localtime(now, _zone()) - datetime.timedelta(days=days_ago)
        local = local.replace(hour=rng.randint(8, 11), minute=rng.randint(0, 59), second=0, microsecond=0)
        plans.append(_plan_one(rng, writer, data, categories, local, now, showcase=channel))
    return plans


def _article_plans(data: dict[str, Any], place: Place, categories: dict[str, Category]) -> list[Plan]:
    """城市广场: the 15 problems of the article's window and the five-year medical problem."""
    article = data["article"]
    rng = random.Random("demands:article")
    writer = _Writer(data, place, rng)
    plans = []
    for row in article["problems"]:
        created, resolved = _aware(row["at"]), _aware(row["resolved"])
        minutes = datetime.timedelta(minutes=1)
        steps = [
            Step("accept", created + minutes * rng.randint(5, 15)),
            Step("dispatch", created + minutes * rng.randint(20, 60)),
            Step(
                "contact",
                _office_hours(created + minutes * rng.randint(90, 600), rng),
                note=data["notes"]["article_contacted"],
            ),
            Step("resolve", resolved, note=row["reply"]),
            Step(
                "rate",
                resolved + datetime.timedelta(hours=rng.uniform(3, 48)),
                rating=Rating.SATISFIED if rng.random() < 0.8 else Rating.BASIC,
            ),
        ]
        submitter = RESIDENT_AT[place.code] if row.get("resident") else ""
        plans.append(
            Plan(
                place=place,
                category=categories[row["category"]],
                channel=row["channel"],
                created=created,
                description=row["text"],
                answers=dict(row.get("answers", {})),
                address=f"{place.name}{row['spot']}",
                contact_name="" if submitter else writer.caller(),
                steps=steps,
                submitter=submitter,
            )
        )
    medical = article["medical"]
    created = _aware(medical["at"])
    plans.append(
        Plan(
            place=place,
            category=categories["medical"],
            channel=medical["channel"],
            created=created,
            description=medical["text"],
            answers={},
            address=f"{place.name}{medical['spot']}",
            contact_name=writer.caller(),
            steps=[
                Step("accept", created + datetime.timedelta(minutes=30)),
                Step("dispatch", created + datetime.timedelta(hours=1)),
                Step("contact", created + datetime.timedelta(hours=23), note=medical["contacted_note"]),
                Step("resolve", _aware(medical["resolved"]), note=medical["reply"]),
                Step("rate", _aware(medical["rated"]), rating=Rating.SATISFIED),
            ],
            agenda=(medical["agenda_ref"], medical["agenda_note"]),
        )
    )
    return plans


# --- writing through the services ----------------------------------------------------------------------


class _Cast:
    """The demo accounts that act on demands, looked up once."""

    def __init__(self) -> None:
        names = {*SECRETARY_AT.values(), *COMMUNITY_STAFF_AT.values(), *RESIDENT_AT.values()}
        names |= set(GRID_WORKER_AT.values())
        self.users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
        self.communities = {
            p.pk: p.code for p in Place.objects.filter(kind=PlaceKind.COMMUNITY).only("pk", "code")
        }

    def user(self, username: str) -> User | None:
        return self.users.get(username) if username else None

    def community_code(self, place: Place) -> str:
        if place.kind == PlaceKind.COMMUNITY:
            return place.code
        return next((self.communities[i] for i in place.ancestor_ids() if i in self.communities), "")

    def staff(self, place: Place, level: str = Level.STATION) -> User | None:
        """Who acts for the station (or the community) at `place`, when that person has a demo account."""
        if level == Level.STATION and place.code in SECRETARY_AT:
            return self.user(SECRETARY_AT[place.code])
        return self.user(COMMUNITY_STAFF_AT.get(self.community_code(place), ""))


def _write(plan: Plan, cast: _Cast) -> Demand:
    submitter = cast.user(plan.submitter)
    staff = cast.staff(plan.place)
    demand = services.demand_submit(
        by=submitter or (staff if plan.channel in ("walk_in", "phone") else None),
        channel=plan.channel,
        category=plan.category,
        place=plan.place,
        description=plan.description,
        contact_name=plan.contact_name,
        contact_phone=plan.phone,
        address=plan.address,
        attributes=plan.answers,
        at=plan.created,
    )
    level = Level.STATION
    for step in plan.steps:
        actor = cast.staff(plan.place, level)
        if step.kind == "accept":
            demand = services.demand_accept(by=actor, demand=demand, at=step.at)
        elif step.kind == "dispatch":
            # A named handler only on open demands: assigning tells the handler, which is news only today.
            handler = actor if plan.stays_open and actor is not None else None
            demand = services.demand_dispatch(
                by=actor, demand=demand, handler=handler, note=step.note, at=step.at
            )
        elif step.kind == "contact":
            demand = services.demand_contact(by=actor, demand=demand, note=step.note, at=step.at)
        elif step.kind == "escalate":
            # Planned only when the service can backdate it (ESCALATE_TAKES_AT).
            demand = services.demand_escalate(by=actor, demand=demand, reason=step.note, at=step.at)
            level = demand.level
        elif step.kind == "resolve":
            demand = services.demand_resolve(by=actor, demand=demand, reply=step.note, at=step.at)
        elif step.kind == "rate":
            demand = services.demand_rate(
                by=submitter, demand=demand, rating=step.rating, comment=step.note, at=step.at
            )
    if plan.agenda:
        ref, note = plan.agenda
        demand = services.demand_put_on_agenda(by=None, demand=demand, agenda_ref=ref, note=note)
    return demand


def _settle_notifications(after_pk: int) -> int:
    """Mark read what the load told people about matters long settled (a 2019 answer, an old reopening):
    what stays unread is what needs someone today, an open demand or an answer awaiting its rating."""
    current = {
        link
        for pk in Demand.objects.filter(status__in=(*OPEN_STATES, Status.RESOLVED)).values_list(
            "pk", flat=True
        )
        for link in (reverse("demands:detail", args=[pk]), reverse("portal:demand", args=[pk]))
    }
    settled = 0
    news = Notification.objects.filter(pk__gt=after_pk, recipient__isnull=False, read_at__isnull=True)
    for notification in news.select_related("recipient").order_by("pk"):
        if notification.link not in current:
            notification_mark_read(by=notification.recipient, notification=notification)
            settled += 1
    return settled


def _raise_overdue(now: datetime.datetime, cast: _Cast, reason: str) -> int:
    """Half of the open demands past their deadline are raised to their community today."""
    rng = random.Random("demands:overdue")
    raised = 0
    overdue = (
        Demand.objects.overdue(now).filter(level=Level.STATION).select_related("place").order_by("created_at")
    )
    for demand in overdue:
        if rng.random() < 0.5:
            services.demand_escalate(
                by=cast.staff(demand.place, Level.COMMUNITY),
                demand=demand,
                reason=reason,
            )
            raised += 1
    return raised


@transaction.atomic
def load_demands(log: Callable[[str], None] = print) -> int:
    """The catalogue, then the demo demands; skipped when any demand exists. Returns how many were made."""
    data = read_data()
    categories = load_catalogue(data)
    if Demand.objects.exists():
        log("Demands already loaded: nothing changed.")
        return 0
    now = timezone.now()
    article = data["article"]
    places = list(Place.objects.filter(kind__in=PLACE_KINDS, closed_on__isnull=True).order_by("path"))
    if not places:
        log("No demo territory: load the Bantian places first. No demands loaded.")
        return 0
    plans: list[Plan] = []
    for place in places:
        start = HISTORY_FROM
        if place.code == article["place"]:
            start = article["generated_from"]
            plans.extend(_article_plans(data, place, categories))
        plans.extend(_generic_plans(data, place, categories, start, now))
    # In order of submission, so numbers (which carry the primary key) rise with time.
    plans.sort(key=lambda p: (p.created, p.place.path))
    cast = _Cast()
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for index, plan in enumerate(plans, 1):
        _write(plan, cast)
        if index % 500 == 0:
            log(f"  {index} demands…")
    raised = _raise_overdue(now, cast, data["notes"]["overdue"])
    _settle_notifications(last_notification)
    open_count = Demand.objects.filter(status__in=OPEN_STATES).count()
    log(
        f"Loaded {len(plans)} resident demands in {len(places)} places "
        f"({open_count} open, {raised} raised to their community today)."
    )
    return len(plans)
