"""What a checked import will write: its rows, and the database records they refer to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from gongzhi.imports.layout import Problem
from gongzhi.party.models import PartyOrg
from gongzhi.territory.models import Place


@dataclass
class PlaceRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str
    address: str
    note: str


@dataclass
class PointRow:
    row: int
    code: str
    name: str
    kind: str
    place: str
    areas: list[str]
    address: str
    opening_hours: str


@dataclass
class OrgRow:
    row: int
    code: str
    name: str
    kind: str
    place: str
    parent: str
    areas: list[str]
    established_on: datetime.date


@dataclass
class Plan:
    """What the import will write, and the database rows it refers to."""

    places: list[PlaceRow] = field(default_factory=list)
    points: list[PointRow] = field(default_factory=list)
    orgs: list[OrgRow] = field(default_factory=list)
    db_places: dict[str, Place] = field(default_factory=dict)
    db_orgs: dict[str, PartyOrg] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
