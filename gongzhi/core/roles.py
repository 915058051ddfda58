"""Roles held at places and the actions each grants over the place's subtree.

Kept in the shared kernel so that every app asks the same table. The Chinese terms are in the glossary.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("Subdistrict administrator")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    MEDIATOR = "mediator", _("Mediator")
    RESIDENT = "resident", _("Resident")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Action:
    """What a role may do at a place. `view` reads registers, `change` writes them."""

    VIEW = "view"
    CHANGE = "change"
    AUDIT = "audit"  # read the audit log
    MANAGE = "manage"  # subdistrict-wide configuration: import, users
    REVEAL = "reveal"  # see personal data (ID numbers, phones) in clear; every reveal is audited


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.SUBDISTRICT_ADMIN: frozenset(
        {Action.VIEW, Action.CHANGE, Action.AUDIT, Action.MANAGE, Action.REVEAL}
    ),
    Role.COMMUNITY_STAFF: frozenset({Action.VIEW, Action.CHANGE, Action.AUDIT, Action.REVEAL}),
    Role.BRANCH_SECRETARY: frozenset({Action.VIEW, Action.CHANGE, Action.REVEAL}),
    Role.GRID_WORKER: frozenset({Action.VIEW}),
    Role.COMMITTEE_MEMBER: frozenset({Action.VIEW}),
    Role.MEDIATOR: frozenset({Action.VIEW}),
    # Residents use the portal: they see their own records and public content, not the registers.
    Role.RESIDENT: frozenset(),
    Role.AUDITOR: frozenset({Action.VIEW, Action.AUDIT}),
}
