"""Reads on the collective economy, scoped to the user, shared by pages, API and exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from gongzhi.collective.models import (
    STEP_ORDER,
    Company,
    CompanyYear,
    Decision,
    DecisionStep,
    Outcome,
    Step,
    StepDocument,
)
from gongzhi.core.roles import Action
from gongzhi.core.scoping import get_for_user, scope_q
from gongzhi.territory.models import Place


def with_latest_year(companies: QuerySet[Company]) -> QuerySet[Company]:
    """The most recent year's figures on each company, in the same query, for lists."""
    latest = CompanyYear.objects.filter(company=OuterRef("pk")).order_by("-year")
    return companies.annotate(
        latest_year=Subquery(latest.values("year")[:1]),
        latest_shareholders=Subquery(latest.values("shareholders")[:1]),
        latest_revenue=Subquery(latest.values("revenue")[:1]),
        latest_dividend=Subquery(latest.values("dividend_per_share")[:1]),
    )


def companies_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Company]:
    return Company.objects.filter(scope_q(user, action, "resident_group__path")).select_related(
        "resident_group", "branch"
    )


def companies_at_or_below(place: Place) -> QuerySet[Company]:
    return Company.objects.filter(resident_group__path__startswith=place.path)


def get_company_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Company:
    return get_for_user(
        Company.objects.select_related("resident_group", "branch", "chairman_member"),
        user,
        action=action,
        path_of=lambda c: c.resident_group.path,
        pk=pk,
    )


def company_years(company: Company) -> QuerySet[CompanyYear]:
    return CompanyYear.objects.filter(company=company).order_by("year")


def get_year_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> CompanyYear:
    return get_for_user(
        CompanyYear.objects.select_related("company__resident_group"),
        user,
        action=action,
        path_of=lambda y: y.company.resident_group.path,
        pk=pk,
    )


def decisions_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Decision]:
    return Decision.objects.filter(scope_q(user, action, "place__path")).select_related("place", "company")


def decisions_at_or_below(place: Place) -> QuerySet[Decision]:
    return Decision.objects.filter(place__path__startswith=place.path)


def with_steps(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    steps = DecisionStep.objects.select_related("recorded_by").prefetch_related("documents")
    return decisions.prefetch_related(Prefetch("steps", queryset=steps))


def get_decision_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Decision:
    return get_for_user(
        with_steps(Decision.objects.select_related("place", "company", "follows", "created_by")),
        user,
        action=action,
        path_of=lambda d: d.place.path,
        pk=pk,
    )


def get_step_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> DecisionStep:
    return get_for_user(
        DecisionStep.objects.select_related("decision__place"),
        user,
        action=action,
        path_of=lambda s: s.decision.place.path,
        pk=pk,
    )


def get_document_for_user(user: Any, pk: int | str) -> StepDocument:
    return get_for_user(
        StepDocument.objects.select_related("step__decision__place"),
        user,
        action=Action.VIEW,
        path_of=lambda d: d.step.decision.place.path,
        pk=pk,
    )


class LinkState:
    DONE = "done"
    FAILED = "failed"  # the shareholders' vote that rejected the proposal
    NEXT = "next"
    TO_COME = "to_come"
    CLOSED = "closed"  # will not come: the proposal was rejected


@dataclass
class ChainLink:
    number: int
    step: str
    label: str
    state: str
    record: DecisionStep | None


def decision_chain(decision: Decision) -> list[ChainLink]:
    """All six steps in order, each with its record or what is still to come. Uses prefetched steps."""
    recorded = {s.step: s for s in decision.steps.all()}
    next_step = decision.next_step
    links = []
    for number, step in enumerate(STEP_ORDER, start=1):
        record = recorded.get(step)
        if record is not None:
            state = LinkState.FAILED if record.passed is False else LinkState.DONE
        elif step == next_step:
            state = LinkState.NEXT
        elif decision.outcome == Outcome.REJECTED:
            state = LinkState.CLOSED
        else:
            state = LinkState.TO_COME
        links.append(ChainLink(number, step, str(Step(step).label), state, record))
    return links
