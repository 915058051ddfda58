"""Writes on the collective economy: companies and their years, and "四议两公开" decisions."""

from gongzhi.collective.services.companies import company_create, company_year_record, company_year_update
from gongzhi.collective.services.decisions import (
    check_document,
    decision_propose,
    decision_record_step,
    majority_for,
    quorum_met,
    step_document_add,
)

__all__ = [
    "check_document",
    "company_create",
    "company_year_record",
    "company_year_update",
    "decision_propose",
    "decision_record_step",
    "majority_for",
    "quorum_met",
    "step_document_add",
]
