"""The collective economy of resident groups: joint-stock cooperative companies, their yearly figures, and
the decisions on collective assets, funds and resources taken by the "四议两公开" procedure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place, PlaceKind, code_validator

# Former villages own the companies: resident groups, and the residents' committees that were villages too.
COMPANY_PLACE_KINDS = (PlaceKind.RESIDENT_GROUP, PlaceKind.RESIDENTS_COMMITTEE)
MONEY = {"max_digits": 14, "decimal_places": 2}


class Company(models.Model):
    """A joint-stock cooperative company (股份合作公司) owning a former village's collective economy."""

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    resident_group = models.ForeignKey(
        Place, verbose_name=_("resident group"), on_delete=models.PROTECT, related_name="companies"
    )
    branch = models.ForeignKey(
        PartyOrg,
        verbose_name=_("supervising party branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="companies",
    )
    chairman = models.CharField(_("chairman"), max_length=50, blank=True)
    chairman_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("chairman (party member)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("joint-stock cooperative company")
        verbose_name_plural = _("joint-stock cooperative companies")
        ordering = ["resident_group__path", "code"]

    def __str__(self) -> str:
        return self.name


class CompanyYear(models.Model):
    """One year of a company's accounts, in yuan. The total dividends equal per share × shareholders."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    shareholders = models.PositiveIntegerField(_("shareholders"))
    revenue = models.DecimalField(_("revenue (yuan)"), **MONEY)
    # A loss is a fact to record, not an input error: profit alone may be negative.
    profit = models.DecimalField(_("profit (yuan)"), **MONEY)
    total_dividends = models.DecimalField(_("total dividends (yuan)"), **MONEY)
    dividend_per_share = models.DecimalField(_("dividend per share (yuan)"), max_digits=12, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("company year")
        verbose_name_plural = _("company years")
        ordering = ["company", "year"]
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="company_year_once")]

    def __str__(self) -> str:
        return f"{self.company} {self.year}"


class Subject(models.TextChoices):
    ASSET = "asset", _("Collective assets")
    FUND = "fund", _("Collective funds")
    RESOURCE = "resource", _("Collective resources")


class Step(models.TextChoices):
    """The six steps of "四议两公开", in the only order they may be taken."""

    PROPOSAL = "proposal", _("Proposal by the party branch")
    COMMITTEES_DISCUSSION = "committees_discussion", _("Discussion by the two committees")
    MEMBERS_REVIEW = "members_review", _("Review by the party members' meeting")
    SHAREHOLDERS_DECISION = (
        "shareholders_decision",
        _("Decision by the shareholders' (representatives') meeting"),
    )
    DECISION_PUBLISHED = "decision_published", _("Decision made public")
    RESULT_PUBLISHED = "result_published", _("Result of implementation made public")


STEP_ORDER: list[str] = list(Step.values)


class Outcome(models.TextChoices):
    OPEN = "open", pgettext_lazy("collective decision", "In progress")
    REJECTED = "rejected", _("Rejected by the shareholders")
    COMPLETED = "completed", _("Completed")


class Decision(models.Model):
    """A matter of collective assets, funds or resources taken through the six steps of "四议两公开"."""

    place = models.ForeignKey(
        Place, verbose_name=_("resident group"), on_delete=models.PROTECT, related_name="collective_decisions"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(
        pgettext_lazy("collective decision", "subject"), max_length=20, choices=Subject.choices
    )
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    description = models.TextField(_("description"), blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("new proposal after"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
    )
    # Kept by the services from the steps, so that lists need no per-row query.
    stage = models.CharField(_("last step taken"), max_length=30, choices=Step.choices, default=Step.PROPOSAL)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    proposed_on = models.DateField(_("proposed on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collective decision")
        verbose_name_plural = _("collective decisions")
        ordering = ["-proposed_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def next_step(self) -> str | None:
        """The step that must come next, or None when the chain is closed (completed or rejected)."""
        if self.outcome != Outcome.OPEN:
            return None
        index = STEP_ORDER.index(self.stage) + 1
        return STEP_ORDER[index] if index < len(STEP_ORDER) else None

    def get_next_step_display(self) -> str:
        step = self.next_step
        return str(Step(step).label) if step else ""


class DecisionStep(models.Model):
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    held_on = models.DateField(_("held on"))
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    entitled = models.PositiveIntegerField(_("entitled to attend"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision step")
        verbose_name_plural = _("decision steps")
        ordering = ["decision", "held_on", "id"]
        constraints = [models.UniqueConstraint(fields=["decision", "step"], name="decision_step_once")]

    def __str__(self) -> str:
        return f"{self.decision} · {self.get_step_display()}"


class StepDocument(models.Model):
    """Minutes, sign-in sheets, notices: a PDF or an image, checked by its first bytes before it is kept."""

    step = models.ForeignKey(
        DecisionStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to="collective/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["step", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
