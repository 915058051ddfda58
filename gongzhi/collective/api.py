"""API for the collective economy: companies, their finances by year, and "四议两公开" decisions.

Amounts are yuan, as JSON numbers. Everything outside the caller's view scope does not exist (404).
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from ninja import Router, Schema

from gongzhi.collective.models import Outcome
from gongzhi.collective.selectors import (
    companies_at_or_below,
    companies_visible_to,
    company_years,
    decision_chain,
    decisions_at_or_below,
    decisions_visible_to,
    get_company_for_user,
    get_decision_for_user,
)
from gongzhi.core.api import Page, page_of
from gongzhi.territory.selectors import get_place_for_user

router = Router(tags=["collective"])


class CompanyOut(Schema):
    id: int
    code: str
    name: str
    resident_group: str
    resident_group_name: str
    chairman: str
    branch: int | None
    registered_on: datetime.date | None

    @staticmethod
    def resolve_resident_group(obj) -> str:
        return obj.resident_group.code

    @staticmethod
    def resolve_resident_group_name(obj) -> str:
        return obj.resident_group.name

    @staticmethod
    def resolve_branch(obj) -> int | None:
        return obj.branch_id


class YearOut(Schema):
    year: int
    revenue: float
    profit: float
    dividend_per_share: float
    shareholders: int


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class StepOut(Schema):
    number: int
    step: str
    label: str
    state: str
    held_on: datetime.date | None = None
    present: int | None = None
    entitled: int | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    passed: bool | None = None
    note: str = ""
    documents: list[DocumentOut] = []


class DecisionOut(Schema):
    id: int
    title: str
    subject: str
    amount: float | None
    place: str
    company: int | None
    proposed_on: datetime.date
    stage: str
    outcome: str
    next_step: str | None

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.place.code

    @staticmethod
    def resolve_company(obj) -> int | None:
        return obj.company_id

    @staticmethod
    def resolve_amount(obj) -> float | None:
        return None if obj.amount is None else float(obj.amount)


class DecisionDetailOut(DecisionOut):
    description: str
    follows: int | None
    steps: list[StepOut]

    @staticmethod
    def resolve_follows(obj) -> int | None:
        return obj.follows_id

    @staticmethod
    def resolve_steps(obj) -> list[dict]:
        return [_step(link) for link in decision_chain(obj)]


def _step(link) -> dict:
    out = {"number": link.number, "step": link.step, "label": link.label, "state": link.state}
    record = link.record
    if record is None:
        return out
    for name in ("held_on", "present", "entitled", "votes_for", "votes_against", "votes_abstain", "passed"):
        out[name] = getattr(record, name)
    out["note"] = record.note
    out["documents"] = [
        {
            "id": d.pk,
            "name": d.original_name,
            "content_type": d.content_type,
            "size": d.size,
            "url": reverse("collective:document_file", args=[d.pk]),
        }
        for d in record.documents.all()
    ]
    return out


@router.get("/collective/companies", response=Page[CompanyOut])
def list_companies(request, place: str | None = None, limit: int = 100, offset: int = 0):
    """Companies visible to the caller; `place` keeps those at that place or below it."""
    companies = companies_visible_to(request.user)
    if place:
        companies = companies & companies_at_or_below(get_place_for_user(request.user, place))
    return page_of(companies.order_by("resident_group__path", "code"), limit, offset)


@router.get("/collective/companies/{company_id}", response=CompanyOut)
def get_company(request, company_id: int):
    return get_company_for_user(request.user, company_id)


@router.get("/collective/companies/{company_id}/finances", response=list[YearOut])
def company_finances(request, company_id: int):
    """The company's figures by year, oldest first, in yuan."""
    return list(company_years(get_company_for_user(request.user, company_id)))


@router.get("/collective/decisions", response=Page[DecisionOut])
def list_decisions(request, place: str | None = None, outcome: str = "", limit: int = 100, offset: int = 0):
    """Decisions visible to the caller, newest first; `place` keeps those at that place or below it."""
    decisions = decisions_visible_to(request.user)
    if place:
        decisions = decisions & decisions_at_or_below(get_place_for_user(request.user, place))
    if outcome in Outcome.values:
        decisions = decisions.filter(outcome=outcome)
    return page_of(decisions.order_by("-proposed_on", "-id"), limit, offset)


@router.get("/collective/decisions/{decision_id}", response=DecisionDetailOut)
def get_decision(request, decision_id: int):
    """A decision with all six steps: each recorded one with its date, attendance, votes and documents."""
    return get_decision_for_user(request.user, decision_id)
