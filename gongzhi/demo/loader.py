"""Loads the Bantian demo data set through the system's own services.

Nothing here sets a figure directly: the coverage rate, the 18 → 4 + 14 reorganisation and the seven
independent-area branches come out of the reports because the records below produce them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.accounts.services import assignment_grant, user_create
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.party.services import OrgSpec, org_establish, org_reorganise
from gongzhi.territory.models import Place, PlaceKind, ServicePointKind
from gongzhi.territory.services import place_create, service_point_create

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "gongzhi-demo"
AREA_KINDS = ("residents_committee", "resident_group", "garden_estate", "independent_area")


def _read(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


def is_loaded() -> bool:
    facts = _read("bantian-facts.yaml")
    return Place.objects.filter(code=facts["subdistrict"]["code"]).exists()


def _short(name: str) -> str:
    for suffix in ("居民小组", "居委会", "社区"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@transaction.atomic
def load_bantian(log: Callable[[str], None] = print) -> bool:
    """Load the demo set once; a second call finds it loaded and changes nothing. Returns whether it loaded."""
    if is_loaded():
        log("The Bantian demo data is already loaded: nothing changed.")
        return False
    facts = _read("bantian-facts.yaml")
    layout = _read("bantian-areas.yaml")
    dates = {
        k: v if isinstance(v, datetime.date) else datetime.date.fromisoformat(v)
        for k, v in layout["dates"].items()
    }

    sub = facts["subdistrict"]
    bantian = place_create(
        by=None,
        code=sub["code"],
        name=sub["name"],
        kind=PlaceKind.SUBDISTRICT,
        parent=None,
        address=f"{sub['city']}{sub['district']}",
    )
    service_point_create(
        by=None,
        code=f"{sub['code']}-centre",
        name=f"{sub['name']}党群服务中心",
        kind=ServicePointKind.SUBDISTRICT_CENTRE,
        place=bantian,
    )
    working = org_establish(
        by=None,
        spec=OrgSpec(
            code=f"{sub['code']}-dgw", name=sub["party_org"], kind=OrgKind.WORKING_COMMITTEE, place=bantian
        ),
        on=dates["community_committees_founded"],
    )
    places: dict[str, Place] = {sub["code"]: bantian}
    company_branches: list[PartyOrg] = []
    area_specs: list[OrgSpec] = []
    independent: list[tuple[Place, PartyOrg]] = []

    for community in facts["communities"]:
        code, name = community["code"], community["name"]
        log(f"  {name}")
        place = place_create(by=None, code=code, name=name, kind=PlaceKind.COMMUNITY, parent=bantian)
        places[code] = place
        service_point_create(
            by=None,
            code=f"{code}-centre",
            name=f"{name}党群服务中心",
            kind=ServicePointKind.COMMUNITY_CENTRE,
            place=place,
        )
        committee = org_establish(
            by=None,
            spec=OrgSpec(
                code=f"{code}-dw",
                name=f"{name}党委",
                kind=OrgKind.COMMUNITY_COMMITTEE,
                place=place,
                parent=working,
            ),
            on=dates["community_committees_founded"],
        )
        areas = layout["communities"].get(code, {})
        for kind in (*AREA_KINDS, "industrial_park"):
            for row in areas.get(kind, []):
                area = place_create(by=None, code=row["code"], name=row["name"], kind=kind, parent=place)
                places[row["code"]] = area
                if kind in ("residents_committee", "resident_group"):
                    # Before October 2018 the village's joint-stock company branch looked after it.
                    company_branches.append(
                        org_establish(
                            by=None,
                            spec=OrgSpec(
                                code=f"{row['code']}-gs",
                                name=f"{row['company']}股份合作公司党支部",
                                kind=OrgKind.BRANCH,
                                place=area,
                                parent=committee,
                                areas=[area],
                            ),
                            on=dates["company_branches_founded"],
                        )
                    )
                    area_specs.append(
                        OrgSpec(
                            code=f"{row['code']}-zb",
                            name=f"{row['name']}党支部",
                            kind=OrgKind.BRANCH,
                            place=area,
                            parent=committee,
                            areas=[area],
                        )
                    )
                elif kind == "garden_estate":
                    founded = row["founded"]
                    org_establish(
                        by=None,
                        spec=OrgSpec(
                            code=f"{row['code']}-zb",
                            name=f"{row['name']}党支部",
                            kind=OrgKind.BRANCH,
                            place=area,
                            parent=committee,
                            areas=[area],
                        ),
                        on=founded
                        if isinstance(founded, datetime.date)
                        else datetime.date.fromisoformat(founded),
                    )
                elif kind == "independent_area":
                    independent.append((area, committee))
                if kind in AREA_KINDS and not _served_by_sub_centre(layout, row["code"]):
                    service_point_create(
                        by=None,
                        code=f"{row['code']}-station",
                        name=f"{row['name']}党群服务站",
                        kind=ServicePointKind.STATION,
                        place=area,
                        areas=[area],
                    )

    for row in layout["sub_centres"]:
        at = places[row.get("at", row["community"])]
        service_point_create(
            by=None,
            code=row["code"],
            name=row["name"],
            kind=ServicePointKind.SUB_CENTRE,
            place=at,
            areas=[places[c] for c in row["serves"]],
        )

    # 2018: the company branches became branches of the residents' committees and resident groups.
    org_reorganise(
        by=None,
        orgs=company_branches,
        into=area_specs,
        on=dates["reorganisation"],
        note="《坂田街道推进社区党委所属党支部规范化建设方案》：原居民小组一级股份合作公司党支部调整为居委会、居民小组党支部",
    )
    # …and every independent area (外卖地), a blank spot until then, got a branch of its own.
    for area, committee in independent:
        org_establish(
            by=None,
            spec=OrgSpec(
                code=f"{area.code}-zb",
                name=f"{area.name}党支部",
                kind=OrgKind.BRANCH,
                place=area,
                parent=committee,
                areas=[area],
            ),
            on=dates["independent_area_branches"],
            note="填补外卖地党支部建设空白",
        )

    for row in layout["users"]:
        user = user_create(
            username=row["username"], password=DEMO_PASSWORD, display_name=row["name"], by=None, is_demo=True
        )
        assignment_grant(user=user, role=row["role"], place=places[row["place"]], by=None)
    log(
        f"Loaded {Place.objects.count()} places, {PartyOrg.objects.count()} party organisations, "
        f"{User.objects.filter(is_demo=True).count()} demo accounts."
    )
    return True


def _served_by_sub_centre(layout: dict[str, Any], code: str) -> bool:
    return any(code in row["serves"] for row in layout["sub_centres"])
