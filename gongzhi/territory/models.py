"""The territory: a tree of places, and the party-and-masses service points that serve them."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,63}$",
    _("Use lower-case letters, digits and hyphens, starting with a letter or digit."),
)


class PlaceKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    COMMUNITY = "community", _("Community")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    RESIDENT_GROUP = "resident_group", _("Resident group")
    GARDEN_ESTATE = "garden_estate", _("Garden estate")
    INDEPENDENT_AREA = "independent_area", _("Independent residential area")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")


# The kinds of residential area that must each be covered by a party organisation.
RESIDENTIAL_KINDS = (
    PlaceKind.RESIDENTS_COMMITTEE,
    PlaceKind.RESIDENT_GROUP,
    PlaceKind.GARDEN_ESTATE,
    PlaceKind.INDEPENDENT_AREA,
)

# Which kinds may sit under which: keeps the tree meaningful (no community inside a building).
ALLOWED_PARENTS: dict[str, tuple[str, ...]] = {
    PlaceKind.SUBDISTRICT: (),
    PlaceKind.COMMUNITY: (PlaceKind.SUBDISTRICT,),
    PlaceKind.RESIDENTS_COMMITTEE: (PlaceKind.COMMUNITY,),
    PlaceKind.RESIDENT_GROUP: (PlaceKind.COMMUNITY, PlaceKind.RESIDENTS_COMMITTEE),
    PlaceKind.GARDEN_ESTATE: (PlaceKind.COMMUNITY, PlaceKind.RESIDENTS_COMMITTEE),
    PlaceKind.INDEPENDENT_AREA: (PlaceKind.COMMUNITY, PlaceKind.RESIDENTS_COMMITTEE),
    PlaceKind.INDUSTRIAL_PARK: (PlaceKind.COMMUNITY,),
    PlaceKind.GRID: (PlaceKind.COMMUNITY, *RESIDENTIAL_KINDS, PlaceKind.INDUSTRIAL_PARK),
    PlaceKind.BUILDING: (*RESIDENTIAL_KINDS, PlaceKind.GRID, PlaceKind.INDUSTRIAL_PARK),
}


class PlaceQuerySet(models.QuerySet):
    def open(self) -> PlaceQuerySet:
        """Places not closed today (a closing date in the future still counts as open)."""
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=timezone.localdate()))

    def residential(self) -> PlaceQuerySet:
        return self.filter(kind__in=RESIDENTIAL_KINDS)

    def below(self, place: Place, *, include_self: bool = False) -> PlaceQuerySet:
        qs = self.filter(path__startswith=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)

    def search(self, query: str) -> PlaceQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(pinyin__contains=query.lower())
        )


class Place(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=PlaceKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of primary keys, `/1/5/23/`: a subtree is one prefix range. Maintained by services.
    path = models.CharField(_("path"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    pinyin = models.CharField(_("pinyin index"), max_length=500, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="place_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_on is None or self.closed_on > timezone.localdate()

    @property
    def is_residential(self) -> bool:
        return self.kind in RESIDENTIAL_KINDS

    def ancestor_ids(self) -> list[int]:
        return [int(pk) for pk in self.path.strip("/").split("/") if pk][:-1]

    def ancestors(self) -> list[Place]:
        """From the root down to the parent, in one query."""
        ids = self.ancestor_ids()
        by_id = Place.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class ServicePointKind(models.TextChoices):
    SUBDISTRICT_CENTRE = "subdistrict_centre", _("Subdistrict party-and-masses service centre")
    COMMUNITY_CENTRE = "community_centre", _("Community party-and-masses service centre")
    SUB_CENTRE = "sub_centre", _("Party-and-masses service sub-centre")
    STATION = "station", _("Party-and-masses service station")


class ServicePointQuerySet(models.QuerySet):
    def open(self) -> ServicePointQuerySet:
        return self.filter(closed_on__isnull=True)

    def search(self, query: str) -> ServicePointQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(pinyin__contains=query.lower())
        )


class ServicePoint(models.Model):
    """A node of the three-level service network (街道—社区—站点)."""

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=ServicePointKind.choices)
    place = models.ForeignKey(
        Place, verbose_name=_("located at"), on_delete=models.PROTECT, related_name="service_points"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    pinyin = models.CharField(_("pinyin index"), max_length=500, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["place__path", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """A residential area served by a service point. Every area is served by exactly one."""

    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="areas"
    )
    area = models.OneToOneField(
        Place, verbose_name=_("area"), on_delete=models.CASCADE, related_name="served_by"
    )
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        verbose_name = _("served area")
        verbose_name_plural = _("served areas")

    def __str__(self) -> str:
        return f"{self.point} → {self.area}"
