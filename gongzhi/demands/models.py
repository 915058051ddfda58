"""Resident demands (民生诉求): the catalogue, the demand and its append-only timeline, and roll-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.pii import EncryptedTextField, mask_phone
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place, ServicePoint, code_validator

DESCRIPTION_MAX = 4000
MAX_PHOTOS = 6


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    GENERAL = "general", _("General")


class Category(models.Model):
    """A kind of problem residents report; editable by subdistrict administrators."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    group = models.CharField(_("group"), max_length=50, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.GENERAL)
    limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=5)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("demand category")
        verbose_name_plural = _("demand categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class AttributeType(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class CategoryAttribute(models.Model):
    """An extra question asked for a category (Open311 service definition attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    datatype = models.CharField(_("type"), max_length=20, choices=AttributeType.choices)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=200)
    datatype_description = models.CharField(_("answer hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(_("choices"), default=list, blank=True)  # [{"key": …, "name": …}]

    class Meta:
        verbose_name = _("category question")
        verbose_name_plural = _("category questions")
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="attribute_unique_code")]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"


class Channel(models.TextChoices):
    PORTAL = "portal", _("Residents' portal")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    GRID = "grid", _("Grid report")
    API = "api", _("API")
    OPEN311 = "open311", "Open311"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Rated")
    REOPENED = "reopened", _("Reopened")
    RETURNED = "returned", _("Returned")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Not accepted")


# States in which someone still has to act.
OPEN_STATES = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.REOPENED,
    Status.RETURNED,
)
DONE_STATES = (Status.RESOLVED, Status.CLOSED)


class Level(models.TextChoices):
    STATION = "station", _("Station")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")


LEVEL_ORDER = [Level.STATION, Level.COMMUNITY, Level.SUBDISTRICT]


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class DemandQuerySet(models.QuerySet):
    def open(self) -> DemandQuerySet:
        return self.filter(status__in=OPEN_STATES)

    def overdue(self, now) -> DemandQuerySet:
        """Open demands whose current level has let its deadline pass."""
        return self.open().filter(level_due__lt=now)


class Demand(models.Model):
    # Null only between the first insert and the number derived from the primary key (unique allows many NULLs).
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False, null=True)  # noqa: DJ001
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    # Where the problem is (an area or a building), and the residential area it belongs to, which routes it.
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Place,
        verbose_name=_("residential area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place_path = models.CharField(max_length=255, editable=False)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    submitted_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.STATION)
    closed_level = models.CharField(_("closed at level"), max_length=12, choices=Level.choices, blank=True)
    # The level it was first dispatched at: "solved locally" is closed there (DOMAIN.md). Empty until then;
    # a demand closed without a dispatch counts from the first level, the station. The database default
    # lets bulk loads (the bench's COPY) leave it out.
    dispatch_level = models.CharField(
        _("first dispatched at level"),
        max_length=12,
        choices=Level.choices,
        blank=True,
        default="",
        db_default="",
    )
    station = models.ForeignKey(
        ServicePoint,
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        PartyOrg, verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_demands",
    )

    dispatch_due = models.DateTimeField(_("dispatch due"))
    contact_due = models.DateTimeField(_("first contact due"))
    resolve_due = models.DateTimeField(_("resolution due"))
    # When the level now handling it must have resolved it; escalation to the next level restarts it,
    # while resolve_due stays the promise to the resident that on-time statistics are measured against.
    level_due = models.DateTimeField(_("due at this level"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    extension_days = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    reply = models.TextField(_("reply"), blank=True)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # The consultation committee's agenda item this demand went onto (the committee arrives with its own app).
    agenda_ref = models.CharField(_("agenda item"), max_length=64, blank=True)

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["place_path"], name="demand_scope", opclasses=["varchar_pattern_ops"]),
            # Worklists and similar-demand look-ups read only open demands: a small index for them.
            models.Index(
                fields=["place_path"],
                name="demand_open_scope",
                opclasses=["varchar_pattern_ops"],
                condition=models.Q(status__in=OPEN_STATES),
            ),
            # The similar-demands panel: open demands of one category under an area, newest first.
            models.Index(
                fields=["category", "place_path"],
                name="demand_open_category",
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=models.Q(status__in=OPEN_STATES),
            ),
            models.Index(fields=["status", "level_due"], name="demand_status_due"),
            models.Index(fields=["area", "category", "status"], name="demand_area_category"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def solved_locally(self) -> bool:
        return self.status in DONE_STATES and self.closed_level == (self.dispatch_level or Level.STATION)


def photo_path(instance: DemandPhoto, filename: str) -> str:
    return f"demands/{instance.demand.created_at:%Y/%m}/{instance.demand_id}-{filename}"


class DemandPhoto(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.demand} photo {self.pk}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    CONTACTED = "contacted", _("Resident contacted")
    TRANSFERRED = "transferred", _("Transferred")
    RETURNED = "returned", _("Returned")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_GRANTED = "extension_granted", _("Extension granted")
    RESOLVED = "resolved", _("Resolved")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    WARNED = "warned", _("Deadline warning")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Not accepted")
    AGENDA = "agenda", _("Put on a committee's agenda")
    NOTE = "note", _("Note")


class DemandEvent(models.Model):
    """One step in a demand's life. Written once by the services; never changed."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    status = models.CharField(_("status after"), max_length=12, choices=Status.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.demand} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Demand timelines are append-only.")
        super().save(*args, **kwargs)


class TallyCells(models.Model):
    """What both roll-ups share: the counters of one (residential area, period, category) cell.

    Every demand counts in the cell of the period it was submitted in (a cohort): statistics for a window
    are sums over cells, so their cost follows the number of areas, periods and categories, not the number
    of demands. `gongzhi rebuild_demand_tallies` recomputes both roll-ups from the demands; the tests check
    that the services keep them equal to that recount.
    """

    # The demand's residential area, or its place when it lies in none (a park, a community office).
    area = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    area_path = models.CharField(max_length=255)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    total = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_locally = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DemandTally(TallyCells):
    """The daily roll-up: one row per residential area, submission day and category.

    It answers the days at either end of a window that does not start or end on a month's edge.
    """

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "day", "category"], name="tally_unique_cell")]
        indexes = [
            models.Index(fields=["area_path"], name="tally_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["day"], name="tally_day"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day} {self.category_id}: {self.total}"


class DemandMonthTally(TallyCells):
    """The monthly roll-up: the daily cells of a month summed, for the whole months of a window.

    Three years of a subdistrict are some 14,000 monthly cells against 330,000 daily ones; whole years come
    from the yearly roll-up, so that a window of any length sums a few thousand rows at most.
    """

    month = models.DateField()  # the first day of the month

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "month", "category"], name="month_tally_unique_cell")
        ]
        indexes = [
            models.Index(fields=["area_path"], name="month_tally_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["month"], name="month_tally_month"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m} {self.category_id}: {self.total}"


class DemandYearTally(TallyCells):
    """The yearly roll-up: a year's daily cells summed, for the whole years of a window (a subdistrict's
    statistics since the beginning sum a thousand rows, however many demands there are)."""

    year = models.DateField()  # 1 January of the year

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "year", "category"], name="year_tally_unique_cell")
        ]
        indexes = [
            models.Index(fields=["area_path"], name="year_tally_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year:%Y} {self.category_id}: {self.total}"


class Open311Key(models.Model):
    """An API key for an Open311 client; stored as a keyed digest, shown once."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
