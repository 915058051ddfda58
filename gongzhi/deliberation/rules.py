"""The arithmetic of deliberation, as pure functions of whole numbers: quorum, majority, outcome, composition.

No floats anywhere: a ratio of 2/3 means `present * 3 >= members * 2`, so 6 of 9 is a quorum and 5 of 8
(62.5 %) is not. Abstentions count as present and never as in favour. The majority rules:

  simple      of the votes cast, more for than against            for > against
  absolute    over half of the members present                    for * 2 > present
  two_thirds  two thirds of the members present (special matters) for * 3 >= present * 2

A motion cannot pass below quorum, whatever the votes say.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from gongzhi.deliberation.choices import CommitteeKind, MajorityRule, MotionResult, Stakeholder

DEFAULT_QUORUM = Fraction(2, 3)

NOTE_NO_QUORUM = "no quorum"
NOTE_NO_MAJORITY = "majority not reached"
NOTE_PASSED = ""


def quorum_met(present: int, members: int, ratio: Fraction = DEFAULT_QUORUM) -> bool:
    """Are enough members present? A body with no members never has a quorum."""
    _check_counts(present=present, members=members)
    if members == 0:
        return False
    return present * ratio.denominator >= members * ratio.numerator


def majority_passes(rule: str, *, votes_for: int, votes_against: int, abstain: int, present: int) -> bool:
    """Does the vote carry under `rule`? Quorum is a separate question (see `outcome`)."""
    _check_counts(votes_for=votes_for, votes_against=votes_against, abstain=abstain, present=present)
    if votes_for + votes_against + abstain > present:
        raise ValueError("more votes than members present")
    if rule == MajorityRule.SIMPLE:
        return votes_for > votes_against
    if rule == MajorityRule.ABSOLUTE:
        return votes_for * 2 > present
    if rule == MajorityRule.TWO_THIRDS:
        return votes_for * 3 >= present * 2
    raise ValueError(f"unknown majority rule {rule!r}")


@dataclass(frozen=True)
class Outcome:
    result: str  # MotionResult.PASSED or MotionResult.FAILED
    note: str  # NOTE_NO_QUORUM, NOTE_NO_MAJORITY or "" when passed

    @property
    def passed(self) -> bool:
        return self.result == MotionResult.PASSED


def outcome(
    rule: str,
    *,
    members: int,
    present: int,
    votes_for: int,
    votes_against: int,
    abstain: int,
    ratio: Fraction = DEFAULT_QUORUM,
) -> Outcome:
    """The result of closing a vote: failed for want of a quorum, failed for want of a majority, or passed."""
    if present > members:
        raise ValueError("more members present than the body has")
    if not quorum_met(present, members, ratio):
        return Outcome(MotionResult.FAILED, NOTE_NO_QUORUM)
    if majority_passes(
        rule, votes_for=votes_for, votes_against=votes_against, abstain=abstain, present=present
    ):
        return Outcome(MotionResult.PASSED, NOTE_PASSED)
    return Outcome(MotionResult.FAILED, NOTE_NO_MAJORITY)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative")


# --- composition ---------------------------------------------------------------------------------------

# Each requirement is a set of alternatives: one current seat of any of them satisfies it.
Requirement = tuple[str, ...]

_CONSULTATION_BASE: list[Requirement] = [
    (Stakeholder.BRANCH,),
    (Stakeholder.PARTY_MEMBER_REP,),
    (Stakeholder.RESIDENT_REP,),
]
_ESTATE_EXTRA: list[Requirement] = [(Stakeholder.OWNERS_COMMITTEE,), (Stakeholder.PROPERTY_COMPANY,)]
_JOINT: list[Requirement] = [
    (Stakeholder.BRANCH,),
    (Stakeholder.COMPANY, Stakeholder.STATIONED_UNIT),
    (Stakeholder.PARTY_MEMBER_REP,),
    (Stakeholder.RESIDENT_REP,),
]


def required_stakeholders(kind: str, place_kind: str) -> list[Requirement]:
    """Who must sit on a committee of `kind` serving a place of `place_kind`.

    A consultation committee seats the branch, party members' and residents' representatives, and in a
    garden estate also the owners' committee and the property company; a joint meeting seats the branch,
    the company (the joint-stock cooperative or a stationed unit), party members' and residents' reps.
    """
    if kind == CommitteeKind.JOINT_MEETING:
        return list(_JOINT)
    if place_kind == "garden_estate":
        return [_CONSULTATION_BASE[0], *_ESTATE_EXTRA, *_CONSULTATION_BASE[1:]]
    return list(_CONSULTATION_BASE)


def missing_stakeholders(kind: str, place_kind: str, seated: set[str]) -> list[Requirement]:
    """The requirements no current seat satisfies, in the order of `required_stakeholders`."""
    return [req for req in required_stakeholders(kind, place_kind) if not seated.intersection(req)]


def requirement_label(requirement: Requirement) -> str:
    """'Party branch', or 'Joint-stock cooperative company / Stationed unit' for alternatives."""
    return " / ".join(str(Stakeholder(code).label) for code in requirement)
