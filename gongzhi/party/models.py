"""Party organisations, the residential areas they cover, and their change history."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Place, code_validator


class OrgKind(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("Subdistrict party working committee")
    COMMUNITY_COMMITTEE = "community_committee", _("Community party committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")


# Which organisation kinds may sit under which.
ALLOWED_ORG_PARENTS: dict[str, tuple[str, ...]] = {
    OrgKind.WORKING_COMMITTEE: (),
    OrgKind.COMMUNITY_COMMITTEE: (OrgKind.WORKING_COMMITTEE,),
    OrgKind.GENERAL_BRANCH: (OrgKind.COMMUNITY_COMMITTEE, OrgKind.WORKING_COMMITTEE),
    OrgKind.BRANCH: (OrgKind.COMMUNITY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.WORKING_COMMITTEE),
    OrgKind.GROUP: (OrgKind.BRANCH,),
}


class PartyOrgQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> PartyOrgQuerySet:
        return self.filter(Q(established_on__lte=day) | Q(established_on__isnull=True)).filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
        )

    def search(self, query: str) -> PartyOrgQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(pinyin__contains=query.lower())
        )


class PartyOrg(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices, db_index=True)
    place = models.ForeignKey(
        Place, verbose_name=_("anchored at"), on_delete=models.PROTECT, related_name="party_orgs"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    pinyin = models.CharField(_("pinyin index"), max_length=500, blank=True, editable=False)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["place__path", "kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None


class OrgCoverageQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> OrgCoverageQuerySet:
        """Coverage in force on `day`: begun, not ended, by an organisation not dissolved."""
        return self.filter(since__lte=day).filter(
            Q(until__isnull=True) | Q(until__gt=day),
            Q(org__dissolved_on__isnull=True) | Q(org__dissolved_on__gt=day),
        )


class OrgCoverage(models.Model):
    """A party organisation's responsibility for a residential area, from `since` until `until` (excluded)."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="coverage"
    )
    area = models.ForeignKey(Place, verbose_name=_("area"), on_delete=models.PROTECT, related_name="coverage")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = OrgCoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        ordering = ["area__path", "since"]
        indexes = [models.Index(fields=["area", "until"])]

    def __str__(self) -> str:
        return f"{self.org} → {self.area}"


class ChangeKind(models.TextChoices):
    ESTABLISH = "establish", _("Establish")
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    RENAME = "rename", _("Rename")
    DISSOLVE = "dissolve", _("Dissolve")
    # Many organisations turned into as many new ones at once, as in Bantian's 2018 adjustment of
    # company branches into residents'-committee and resident-group branches (see docs/decisions).
    REORGANISE = "reorganise", _("Reorganise")


class OrgChange(models.Model):
    """An event in the life of party organisations, linking predecessors to successors."""

    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    predecessors = models.ManyToManyField(
        PartyOrg, verbose_name=_("predecessors"), related_name="changes_as_predecessor", blank=True
    )
    successors = models.ManyToManyField(
        PartyOrg, verbose_name=_("successors"), related_name="changes_as_successor", blank=True
    )
    # The place the event concerns, for scoping (the lowest place common to everyone involved).
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation change")
        verbose_name_plural = _("organisation changes")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"
