"""The register of party members (党员) and the posts they hold, in the party and outside it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.core.pii import EncryptedTextField, mask_id_number, mask_phone, person_search_q
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("College diploma")
    SECONDARY = "secondary", _("Technical secondary school")
    HIGH_SCHOOL = "high_school", _("Senior high school")
    JUNIOR = "junior", _("Junior high school or below")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


class MemberQuerySet(models.QuerySet):
    def current(self) -> MemberQuerySet:
        return self.filter(left_on__isnull=True)

    def search(self, query: str) -> MemberQuerySet:
        """By name or pinyin initials; an ID number or phone is matched exactly through the blind index."""
        q = person_search_q(query)
        return self if q is None else self.filter(q)


class Member(models.Model):
    name = models.CharField(_("full name"), max_length=50)
    pinyin = models.CharField(_("pinyin index"), max_length=500, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"))
    # Personal data: Fernet tokens at rest; look-ups by the keyed blind index beside each.
    id_number = EncryptedTextField(_("ID number"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    joined_on = models.DateField(_("joined the party on"))
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    full_on = models.DateField(_("full member since"), null=True, blank=True)
    branch = models.ForeignKey(
        PartyOrg, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="members"
    )
    group = models.ForeignKey(
        PartyOrg,
        verbose_name=_("party group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
    )
    home_place = models.ForeignKey(
        Place,
        verbose_name=_("home place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_owner = models.BooleanField(_("owns a home there"), default=False)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    left_on = models.DateField(_("left the register on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch__place__path", "pinyin", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class PostTitle(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    COMMITTEE_MEMBER = "committee_member", pgettext_lazy("party post", "Committee member")
    GROUP_LEADER = "group_leader", _("Party group leader")


class PostQuerySet(models.QuerySet):
    def current(self, day=None) -> PostQuerySet:
        from django.utils import timezone

        day = day or timezone.localdate()
        return self.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gt=day))


class Post(models.Model):
    """A party post (职务) held in an organisation for a term."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="posts"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(_("post"), max_length=20, choices=PostTitle.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["org", "title", "-since"]

    def __str__(self) -> str:
        return f"{self.org} {self.get_title_display()} {self.member}"


class OutsideTitle(models.TextChoices):
    RESIDENT_GROUP_LEADER = "resident_group_leader", _("Resident group leader")
    COMPANY_CHAIRMAN = "company_chairman", _("Chairman of the joint-stock cooperative company")
    OWNERS_COMMITTEE_MEMBER = "owners_committee_member", _("Owners' committee member")
    COMMUNITY_DEPUTY_SECRETARY = (
        "community_deputy_secretary",
        _("Deputy secretary of the community party committee"),
    )
    OTHER = "other", _("Other")


class OutsidePost(models.Model):
    """A post held outside the branch (居民小组组长, 股份公司董事长…), shown beside the party posts."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="outside_posts"
    )
    title = models.CharField(_("post"), max_length=40, choices=OutsideTitle.choices)
    organisation = models.CharField(_("organisation or body"), max_length=100)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("outside post")
        verbose_name_plural = _("outside posts")
        ordering = ["-since"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_title_display()}"
