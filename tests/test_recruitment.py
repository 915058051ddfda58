"""Recruitment of party members (发展党员): the five stages, their intervals, scoping and personal data.

"One year later" is the same month and day next year, 29 February becoming 28 February (rules.py).
"""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongzhi.core.models import AuditEvent
from gongzhi.members.models import Member
from gongzhi.recruitment import rules, services
from gongzhi.recruitment.models import Recruit, Review, Stage
from tests.factories import make_id_number, make_member

D = datetime.date


# A "today" after every date the tests use: the services refuse steps recorded in the future.
LATER = "2030-01-01 12:00 +0800"


# --- helpers ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in their English source form; the site itself renders Simplified Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def full_members(world):
    """Three full members of 大光勘's branch, who can be contacts and introducers."""
    return [make_member(world.dgk_branch, name=n) for n in ("张建国", "李红梅", "王志强")]


APPLIED_ON, BIRTH = D(2022, 3, 1), D(1995, 6, 15)


def _apply(branch, *, applied_on=APPLIED_ON, birth=BIRTH, name="曾拥军", by=None, **extra):
    return services.recruit_apply(
        by=by,
        branch=branch,
        name=name,
        gender="male",
        birth_date=birth,
        id_number=extra.pop("id_number", None) or make_id_number(birth),
        phone=extra.pop("phone", "13800138000"),
        applied_on=applied_on,
        **extra,
    )


def _activist(branch, contacts, activist_on: D, **kw) -> Recruit:
    recruit = _apply(branch, applied_on=activist_on - datetime.timedelta(days=20), **kw)
    services.recruit_record_talk(by=None, recruit=recruit, on=activist_on - datetime.timedelta(days=10))
    return services.recruit_make_activist(by=None, recruit=recruit, on=activist_on, contacts=contacts[:1])


def _candidate(branch, members, candidate_on: D, **kw) -> Recruit:
    recruit = _activist(branch, members, rules.add_years(candidate_on, -1), **kw)
    return services.recruit_make_candidate(by=None, recruit=recruit, on=candidate_on, introducers=members[:2])


def _probationary(branch, members, approved_on: D, **kw) -> Recruit:
    start = approved_on - datetime.timedelta(days=60)
    recruit = _candidate(branch, members, start - datetime.timedelta(days=10), **kw)
    services.recruit_record_vetting(by=None, recruit=recruit, on=start, note="政审合格")
    services.recruit_record_training(
        by=None, recruit=recruit, start=start, end=start + datetime.timedelta(2), hours=24
    )
    services.recruit_record_vote(
        by=None,
        recruit=recruit,
        on=start + datetime.timedelta(10),
        eligible_voters=3,
        votes_for=3,
        votes_against=0,
    )
    return services.recruit_make_probationary(by=None, recruit=recruit, on=approved_on)


def _years_after(day: D, years: int) -> D:
    """Independent oracle for "n years later": same month and day, 29 February → 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _one_year_after(day: D) -> D:
    return _years_after(day, 1)


def _state(recruit: Recruit) -> tuple:
    """Everything a refused step must leave as it was."""
    recruit.refresh_from_db()
    return (
        recruit.stage,
        recruit.candidate_on,
        recruit.next_due,
        recruit.introducers.count(),
        Recruit.objects.count(),
        Member.objects.count(),
        Review.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the whole path -----------------------------------------------------------------------------------


@time_machine.travel("2025-01-01 12:00 +0800", tick=False)
def test_it_walks_an_applicant_through_to_full_member_on_the_pages(
    client_for, wuhe_staff, world, full_members
):
    client = client_for(wuhe_staff)
    form = client.get("/recruitment/apply/").context["form"]
    assert list(form.fields["branch"].queryset) == [
        world.dgk_branch,
        world.xincun_branch,
        world.estate_branch,
    ]
    birth = D(1998, 2, 10)
    response = client.post(
        "/recruitment/apply/",
        {
            "branch": world.dgk_branch.pk,
            "name": "曾拥军",
            "gender": "male",
            "ethnicity": "汉族",
            "birth_date": birth.isoformat(),
            "id_number": make_id_number(birth, 7),
            "phone": "13912345678",
            "education": "bachelor",
            "employer": "华为",
            "applied_on": "2022-03-01",
        },
    )
    recruit = Recruit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/recruitment/{recruit.pk}/"
    assert recruit.stage == Stage.APPLICANT and recruit.next_due == D(2022, 4, 1)  # talk due in one month
    zhang, li, wang = full_members
    steps = [
        ("talk", {"on": "2022-03-20", "note": "动机端正"}),
        ("activist", {"on": "2022-04-10", "contacts": [zhang.pk, li.pk]}),
        ("review", {"on": "2022-10-01", "note": "表现良好"}),
        ("review", {"on": "2023-04-01", "note": "表现良好"}),
        ("candidate", {"on": "2023-04-10", "introducers": [zhang.pk, wang.pk]}),
        ("vetting", {"on": "2023-05-10", "note": "政审合格"}),
        ("training", {"start": "2023-05-15", "end": "2023-05-16", "hours": 24}),
        ("vote", {"on": "2023-06-01", "eligible_voters": 3, "votes_for": 3, "votes_against": 0}),
        ("probationary", {"on": "2023-08-01"}),
        ("full", {"on": "2024-08-01"}),
    ]
    audit_before = AuditEvent.objects.filter(target_type="recruitment.recruit").count()
    for key, data in steps:
        offered = [step["key"] for step in client.get(f"/recruitment/{recruit.pk}/").context["steps"]]
        assert key in offered, (key, offered)
        response = client.post(f"/recruitment/{recruit.pk}/{key}/", data)
        assert response.status_code == 302, (key, response.context and response.context["steps"])
    recruit.refresh_from_db()
    assert recruit.stage == Stage.FULL and recruit.full_on == D(2024, 8, 1) and recruit.next_due is None
    assert AuditEvent.objects.filter(target_type="recruitment.recruit").count() == audit_before + len(steps)
    member = Member.objects.get(pk=recruit.member_id)
    assert (member.name, member.status, member.joined_on, member.full_on) == (
        "曾拥军",
        "full",
        D(2023, 8, 1),
        D(2024, 8, 1),
    )
    assert member.branch == world.dgk_branch and member.id_number == recruit.id_number
    assert member.id_index == recruit.id_index and member.phone == "13912345678"
    assert set(recruit.contacts.all()) == {zhang, li} and set(recruit.introducers.all()) == {zhang, wang}
    page = client.get(f"/recruitment/{recruit.pk}/")
    assert [e.title for e in page.context["timeline"]][-1] == "Became a full member"
    assert len(page.context["timeline"]) == 1 + len(steps)
    assert page.context["steps"] == []


@time_machine.travel(LATER, tick=False)
def test_the_probationary_step_creates_a_probationary_member_in_one_transaction(world, full_members):
    recruit = _probationary(world.dgk_branch, full_members, D(2023, 8, 1))
    member = recruit.member
    assert (member.status, member.joined_on, member.full_on) == ("probationary", D(2023, 8, 1), None)
    assert recruit.next_due == D(2024, 8, 1)
    # A register that refuses the member (here: the ID number is already registered) leaves the recruit as it was.
    other = _candidate(world.dgk_branch, full_members, D(2023, 1, 10), birth=D(1990, 1, 1), name="李四")
    services.recruit_record_vetting(by=None, recruit=other, on=D(2023, 2, 1), note="合格")
    services.recruit_record_training(by=None, recruit=other, start=D(2023, 2, 2), end=D(2023, 2, 4), hours=0)
    services.recruit_record_vote(
        by=None, recruit=other, on=D(2023, 3, 1), eligible_voters=3, votes_for=2, votes_against=1
    )
    make_member(world.plaza_branch, name="李四", id_number=other.id_number)
    before = (_state(other), Member.objects.count())
    with pytest.raises(ValidationError):
        services.recruit_make_probationary(by=None, recruit=other, on=D(2023, 4, 1))
    assert (_state(other), Member.objects.count()) == before


# --- refusals ---------------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_promoting_an_activist_of_less_than_a_year_is_refused_with_the_date(world, full_members):
    recruit = _activist(world.dgk_branch, full_members, D(2023, 3, 1))
    before = _state(recruit)
    with pytest.raises(ValidationError) as exc:
        services.recruit_make_candidate(
            by=None, recruit=recruit, on=D(2024, 2, 29), introducers=full_members[:2]
        )
    assert exc.value.message_dict == {
        "on": ["Too early: an activist can become a development candidate from 2024-03-01."]
    }
    assert _state(recruit) == before
    assert recruit.stage == Stage.ACTIVIST and recruit.candidate_on is None
    services.recruit_make_candidate(by=None, recruit=recruit, on=D(2024, 3, 1), introducers=full_members[:2])
    assert recruit.stage == Stage.CANDIDATE


@time_machine.travel(LATER, tick=False)
def test_the_page_shows_the_too_early_message_and_saves_nothing(client_for, secretary, world, full_members):
    recruit = _activist(world.dgk_branch, full_members, D(2024, 2, 29))
    before = _state(recruit)
    data = {"on": "2025-02-27", "introducers": [m.pk for m in full_members[:2]]}
    response = client_for(secretary).post(f"/recruitment/{recruit.pk}/candidate/", data)
    assert response.status_code == 400
    assert (
        "Too early: an activist can become a development candidate from 2025-02-28."
        in response.content.decode()
    )
    assert _state(recruit) == before


@time_machine.travel(LATER, tick=False)
def test_an_applicant_under_18_is_refused(world):
    birth = D(2005, 6, 15)
    with pytest.raises(ValidationError) as exc:
        _apply(world.dgk_branch, birth=birth, applied_on=D(2023, 6, 14))
    assert "turns 18 on 2023-06-15" in exc.value.message_dict["applied_on"][0]
    assert Recruit.objects.count() == 0 and AuditEvent.objects.filter(action="recruit_apply").count() == 0
    assert _apply(world.dgk_branch, birth=birth, applied_on=D(2023, 6, 15)).stage == Stage.APPLICANT


@time_machine.travel(LATER, tick=False)
def test_an_applicant_born_on_29_february_is_18_on_28_february(world):
    with pytest.raises(ValidationError):
        _apply(world.dgk_branch, birth=D(2004, 2, 29), applied_on=D(2022, 2, 27))
    assert _apply(world.dgk_branch, birth=D(2004, 2, 29), applied_on=D(2022, 2, 28)).pk


@time_machine.travel(LATER, tick=False)
def test_the_birth_date_must_match_the_id_number_and_a_person_applies_once(world, full_members):
    with pytest.raises(ValidationError) as exc:
        _apply(world.dgk_branch, birth=D(1990, 1, 1), id_number=make_id_number(D(1991, 1, 1)))
    assert "birth_date" in exc.value.message_dict
    recruit = _apply(world.dgk_branch)
    with pytest.raises(ValidationError, match="already being recruited"):
        _apply(world.plaza_branch, id_number=recruit.id_number)
    with pytest.raises(ValidationError, match="already a party member"):
        _apply(world.dgk_branch, id_number=full_members[0].id_number, birth=full_members[0].birth_date)


@time_machine.travel(LATER, tick=False)
def test_steps_out_of_order_are_refused(world, full_members):
    recruit = _apply(world.dgk_branch)
    with pytest.raises(ValidationError, match="Record the talk with the applicant first"):
        services.recruit_make_activist(by=None, recruit=recruit, on=D(2022, 4, 1), contacts=full_members[:1])
    with pytest.raises(ValidationError, match="This step is for a recruit at the stage"):
        services.recruit_make_candidate(
            by=None, recruit=recruit, on=D(2024, 4, 1), introducers=full_members[:2]
        )
    with pytest.raises(ValidationError, match="This step is for a recruit at the stage"):
        services.recruit_make_full(by=None, recruit=recruit, on=D(2025, 4, 1))
    with pytest.raises(ValidationError, match="before the previous step"):
        services.recruit_record_talk(by=None, recruit=recruit, on=D(2022, 2, 1))
    with pytest.raises(ValidationError, match="in the future"):
        services.recruit_record_talk(by=None, recruit=recruit, on=D(2031, 1, 1))
    candidate = _candidate(world.dgk_branch, full_members, D(2023, 5, 1), birth=D(1991, 3, 3), name="王五")
    with pytest.raises(ValidationError, match="before the branch votes"):
        services.recruit_record_vote(
            by=None, recruit=candidate, on=D(2023, 6, 1), eligible_voters=3, votes_for=3, votes_against=0
        )
    with pytest.raises(ValidationError, match="vote first"):
        services.recruit_make_probationary(by=None, recruit=candidate, on=D(2023, 7, 1))


@time_machine.travel(LATER, tick=False)
def test_contacts_and_introducers_must_be_full_members_of_the_branch(world, full_members):
    probationer = make_member(world.dgk_branch, name="预备", status="probationary", full_on=None)
    elsewhere = make_member(world.plaza_branch, name="外支部")
    recruit = _apply(world.dgk_branch, applied_on=D(2022, 1, 1))
    services.recruit_record_talk(by=None, recruit=recruit, on=D(2022, 1, 10))
    for contacts, expected in [
        ([], "Choose between 1 and 2"),
        (full_members, "Choose between 1 and 2"),
        ([probationer], "预备 is not a full member of this branch."),
        ([elsewhere], "外支部 is not a full member of this branch."),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.recruit_make_activist(by=None, recruit=recruit, on=D(2022, 2, 1), contacts=contacts)
        assert expected in exc.value.message_dict["contacts"][0]
    services.recruit_make_activist(by=None, recruit=recruit, on=D(2022, 2, 1), contacts=full_members[:2])
    before = _state(recruit)
    for introducers, expected in [
        (full_members[:1], "Choose exactly 2 full members."),
        ([full_members[0], full_members[0]], "Choose exactly 2 full members."),
        ([full_members[0], probationer], "预备 is not a full member of this branch."),
        ([full_members[0], elsewhere], "外支部 is not a full member of this branch."),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.recruit_make_candidate(
                by=None, recruit=recruit, on=D(2023, 2, 1), introducers=introducers
            )
        assert exc.value.message_dict == {"introducers": [expected]}
    assert _state(recruit) == before
    # The recruit cannot introduce themselves, even once their record is in the register.
    themselves = make_member(
        world.dgk_branch, name=recruit.name, id_number=recruit.id_number, birth_date=recruit.birth_date
    )
    with pytest.raises(ValidationError, match="cannot vouch for themselves"):
        services.recruit_make_candidate(
            by=None, recruit=recruit, on=D(2023, 2, 1), introducers=[full_members[0], themselves]
        )


@time_machine.travel(LATER, tick=False)
def test_training_under_3_days_and_24_hours_is_refused(world, full_members):
    recruit = _candidate(world.dgk_branch, full_members, D(2023, 5, 1))
    before = _state(recruit)
    with pytest.raises(ValidationError, match="lasted 2 days and 16 hours"):
        services.recruit_record_training(
            by=None, recruit=recruit, start=D(2023, 5, 2), end=D(2023, 5, 3), hours=16
        )
    assert _state(recruit) == before and recruit.training_end is None
    services.recruit_record_training(
        by=None, recruit=recruit, start=D(2023, 5, 2), end=D(2023, 5, 3), hours=24
    )
    assert recruit.training_hours == 24
    services.recruit_record_training(
        by=None, recruit=recruit, start=D(2023, 5, 2), end=D(2023, 5, 4), hours=0
    )
    assert recruit.training_end == D(2023, 5, 4)


@time_machine.travel(LATER, tick=False)
def test_the_vote_needs_a_majority_and_approval_comes_within_3_months(world, full_members):
    recruit = _candidate(world.dgk_branch, full_members, D(2023, 5, 1))
    services.recruit_record_vetting(by=None, recruit=recruit, on=D(2023, 5, 2), note="合格")
    services.recruit_record_training(
        by=None, recruit=recruit, start=D(2023, 5, 3), end=D(2023, 5, 5), hours=24
    )
    with pytest.raises(ValidationError, match="did not pass"):
        services.recruit_record_vote(
            by=None, recruit=recruit, on=D(2023, 5, 31), eligible_voters=6, votes_for=3, votes_against=0
        )
    services.recruit_record_vote(
        by=None, recruit=recruit, on=D(2023, 5, 31), eligible_voters=6, votes_for=4, votes_against=1
    )
    assert recruit.next_due == D(2023, 8, 31)
    with pytest.raises(ValidationError) as exc:
        services.recruit_make_probationary(by=None, recruit=recruit, on=D(2023, 9, 1))
    assert "approve by 2023-08-31" in exc.value.message_dict["on"][0]
    assert not Member.objects.filter(name=recruit.name).exists()
    services.recruit_make_probationary(by=None, recruit=recruit, on=D(2023, 8, 31))
    assert recruit.member.status == "probationary"


@time_machine.travel(LATER, tick=False)
def test_probation_is_extended_once_by_6_to_12_months_with_a_reason(world, full_members):
    recruit = _probationary(world.dgk_branch, full_members, D(2023, 8, 31))
    for months, reason, expected in [
        (5, "x", "6 to 12 months"),
        (13, "x", "6 to 12 months"),
        (6, " ", "reason"),
    ]:
        with pytest.raises(ValidationError, match=expected):
            services.recruit_extend_probation(
                by=None, recruit=recruit, on=D(2024, 8, 31), months=months, reason=reason
            )
    assert recruit.extended_months is None
    services.recruit_extend_probation(
        by=None, recruit=recruit, on=D(2024, 8, 31), months=6, reason="学习不够深入"
    )
    assert recruit.next_due == D(2025, 2, 28)  # 31 August + 18 months, clamped to the end of February
    with pytest.raises(ValidationError, match="only once"):
        services.recruit_extend_probation(
            by=None, recruit=recruit, on=D(2024, 9, 1), months=6, reason="再延长"
        )
    before = _state(recruit)
    with pytest.raises(ValidationError) as exc:
        services.recruit_make_full(by=None, recruit=recruit, on=D(2025, 2, 27))
    assert exc.value.message_dict == {
        "on": ["Too early: a probationary member can become a full member from 2025-02-28."]
    }
    assert _state(recruit) == before and Member.objects.get(pk=recruit.member_id).status == "probationary"
    services.recruit_make_full(by=None, recruit=recruit, on=D(2025, 2, 28))
    assert Member.objects.get(pk=recruit.member_id).full_on == D(2025, 2, 28)


@time_machine.travel(LATER, tick=False)
def test_probation_without_extension_lasts_one_year(world, full_members):
    recruit = _probationary(world.dgk_branch, full_members, D(2024, 2, 29))
    with pytest.raises(ValidationError, match="from 2025-02-28"):
        services.recruit_make_full(by=None, recruit=recruit, on=D(2025, 2, 27))
    services.recruit_make_full(by=None, recruit=recruit, on=D(2025, 2, 28))


# --- due dates and the list -------------------------------------------------------------------------------


def test_overdue_talks_and_reviews_are_listed_and_highlighted(client_for, wuhe_staff, world, full_members):
    with time_machine.travel("2023-01-01 12:00 +0800", tick=False):
        late = _apply(world.dgk_branch, applied_on=D(2022, 11, 30), name="迟谈话")
        fresh = _apply(world.dgk_branch, applied_on=D(2022, 12, 20), birth=D(1996, 1, 1), name="新申请")
        activist = _activist(world.dgk_branch, full_members, D(2022, 6, 1), birth=D(1997, 1, 1), name="积极")
        services.recruit_review(by=None, recruit=activist, on=D(2022, 12, 1), note="良好")
        assert activist.next_due == D(2023, 6, 1)
    with time_machine.travel("2023-07-01 12:00 +0800", tick=False):
        client = client_for(wuhe_staff)
        page = client.get("/recruitment/?stage=applicant&overdue=1")
        assert [r.pk for r in page.context["page_obj"]] == [late.pk, fresh.pk]
        assert page.context["counts"]["applicant"] == {"count": 2, "overdue": 2}
        assert page.context["counts"]["activist"] == {"count": 1, "overdue": 1}
        assert 'class="table-danger"' in page.content.decode()
        assert late.next_due == D(2022, 12, 30) and fresh.next_due == D(2023, 1, 20)
        services.recruit_record_talk(by=None, recruit=late, on=D(2023, 6, 1))
        page = client.get("/recruitment/?stage=applicant&overdue=1")
        assert [r.pk for r in page.context["page_obj"]] == [fresh.pk]
        detail = client.get(f"/recruitment/{late.pk}/")
        assert detail.context["timeline"][1].late is True


@time_machine.travel(LATER, tick=False)
def test_the_list_searches_by_name_and_pinyin_initials(client_for, wuhe_staff, world):
    _apply(world.dgk_branch, name="曾拥军")
    _apply(world.dgk_branch, name="李小明", birth=D(1990, 2, 2))
    client = client_for(wuhe_staff)
    for q in ("zyj", "cyj", "拥军", "曾"):
        names = [r.name for r in client.get("/recruitment/", {"q": q}).context["page_obj"]]
        assert names == ["曾拥军"], q


# --- scoping ----------------------------------------------------------------------------------------------


@pytest.fixture
def dgk_recruit(world):
    with time_machine.travel(LATER, tick=False):
        return _apply(world.dgk_branch, applied_on=D(2029, 12, 1))


@time_machine.travel(LATER, tick=False)
def test_community_staff_act_on_a_recruit_of_their_community(client_for, wuhe_staff, dgk_recruit):
    response = client_for(wuhe_staff).post(f"/recruitment/{dgk_recruit.pk}/talk/", {"on": "2029-12-10"})
    assert response.status_code == 302
    dgk_recruit.refresh_from_db()
    assert dgk_recruit.talked_on == D(2029, 12, 10)
    assert AuditEvent.objects.filter(action="recruit_talk", actor=wuhe_staff).count() == 1


@time_machine.travel(LATER, tick=False)
def test_an_outsider_gets_404_for_a_recruit_of_another_community(client_for, outsider, dgk_recruit):
    client = client_for(outsider)
    assert client.get(f"/recruitment/{dgk_recruit.pk}/").status_code == 404
    assert client.post(f"/recruitment/{dgk_recruit.pk}/talk/", {"on": "2029-12-10"}).status_code == 404
    assert client.get(f"/api/v1/recruits/{dgk_recruit.pk}").status_code == 404
    assert client.get("/api/v1/recruits").json() == {"items": [], "count": 0}
    assert client.get("/recruitment/").context["page_obj"].paginator.count == 0
    with pytest.raises(PermissionDenied):
        services.recruit_record_talk(by=outsider, recruit=dgk_recruit, on=D(2029, 12, 10))
    dgk_recruit.refresh_from_db()
    assert dgk_recruit.talked_on is None


@time_machine.travel(LATER, tick=False)
def test_an_auditor_reads_but_gets_403_on_a_step(client_for, auditor, dgk_recruit):
    client = client_for(auditor)
    page = client.get(f"/recruitment/{dgk_recruit.pk}/")
    assert page.status_code == 200 and page.context["steps"] == []
    assert client.post(f"/recruitment/{dgk_recruit.pk}/talk/", {"on": "2029-12-10"}).status_code == 403
    assert client.post(f"/recruitment/{dgk_recruit.pk}/reveal/id_number/").status_code == 403
    dgk_recruit.refresh_from_db()
    assert dgk_recruit.talked_on is None


def test_a_resident_gets_403_on_the_list(client_for, resident, dgk_recruit):
    client = client_for(resident)
    assert client.get("/recruitment/").status_code == 403
    assert client.get("/recruitment/apply/").status_code == 403
    assert client.get(f"/recruitment/{dgk_recruit.pk}/").status_code == 404


def test_steps_are_posts_only(client_for, wuhe_staff, dgk_recruit):
    assert client_for(wuhe_staff).get(f"/recruitment/{dgk_recruit.pk}/talk/").status_code == 405


# --- personal data ----------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_id_number_and_phone_are_encrypted_at_rest_and_masked_on_screen(client_for, wuhe_staff, world):
    id_number = make_id_number(D(1995, 6, 15), 321)
    recruit = _apply(world.dgk_branch, id_number=id_number, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_index FROM recruitment_recruit WHERE id = %s", [recruit.pk]
        )
        raw_id, raw_phone, index = cursor.fetchone()
    assert id_number not in raw_id and "13912345678" not in raw_phone
    assert raw_id.startswith("gAAAA") and raw_phone.startswith("gAAAA")  # Fernet tokens
    assert id_number not in index and len(index) == 64
    client = client_for(wuhe_staff)
    for url in (f"/recruitment/{recruit.pk}/", "/recruitment/"):
        html = client.get(url).content.decode()
        assert id_number not in html and "13912345678" not in html
    assert recruit.id_number_masked in client.get(f"/recruitment/{recruit.pk}/").content.decode()
    body = client.get(f"/api/v1/recruits/{recruit.pk}").json()
    assert (
        body["id_number_masked"] == "4403**********" + id_number[-4:]
        and body["phone_masked"] == "139****5678"
    )
    assert id_number not in json.dumps(body)
    response = client.post(f"/recruitment/{recruit.pk}/reveal/phone/")
    assert "13912345678" in response.content.decode() and id_number not in response.content.decode()
    fragment = client.post(f"/recruitment/{recruit.pk}/reveal/id_number/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode() == f'<code class="text-danger" data-testid="revealed">{id_number}</code>'
    assert client.post(f"/recruitment/{recruit.pk}/reveal/name/").status_code == 403
    reveals = AuditEvent.objects.filter(action="reveal", target_id=str(recruit.pk), actor=wuhe_staff)
    assert sorted(next(iter(e.changes)) for e in reveals) == ["id_number", "phone"]
    found = client.get("/recruitment/", {"q": id_number}).context["page_obj"]
    assert [r.pk for r in found] == [recruit.pk]


@time_machine.travel(LATER, tick=False)
def test_the_audit_log_never_holds_personal_values(world):
    recruit = _apply(world.dgk_branch, phone="13912345678")
    changes = AuditEvent.objects.get(action="recruit_apply").changes
    assert changes["id_number"] == ["", "***"] and changes["phone"] == ["", "***"]
    assert recruit.id_number not in json.dumps(changes)


# --- API ------------------------------------------------------------------------------------------------------


@time_machine.travel(LATER, tick=False)
def test_the_api_lists_recruits_by_organization_and_stage(client_for, wuhe_staff, world, full_members):
    applicant = _apply(world.dgk_branch, applied_on=D(2029, 12, 1))
    activist = _activist(world.dgk_branch, full_members, D(2029, 6, 1), birth=D(1990, 3, 3), name="积极")
    _apply(world.xincun_branch, birth=D(1992, 4, 4), name="新村")
    client = client_for(wuhe_staff)
    body = client.get("/api/v1/recruits", {"organization": world.dgk_branch.pk}).json()
    assert body["count"] == 2 and {i["id"] for i in body["items"]} == {applicant.pk, activist.pk}
    body = client.get(
        "/api/v1/recruits", {"organization": world.wuhe_committee.pk, "stage": "activist"}
    ).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (
        item["next_due"] == "2029-12-01"
        and item["overdue"] is True
        and item["next_stage_from"] == "2030-06-01"
    )
    assert item["phone_masked"] == "138****8000" and "id_number" not in item and "phone" not in item
    detail = client.get(f"/api/v1/recruits/{activist.pk}").json()
    assert detail["contacts"] == [{"id": full_members[0].pk, "name": "张建国"}]
    assert client.get("/api/v1/recruits", {"organization": world.xjt_committee.pk}).status_code == 404


# --- query counts -----------------------------------------------------------------------------------------------


def _queries(client, url: str) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    rows = response.json()["count"] if url.startswith("/api/") else len(response.context["page_obj"])
    return len(captured), rows


@time_machine.travel(LATER, tick=False)
def test_the_list_page_and_api_do_not_query_per_row(client_for, wuhe_staff, world, full_members):
    client = client_for(wuhe_staff)
    branches = [world.dgk_branch, world.xincun_branch, world.estate_branch]

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            _apply(branches[i % 3], birth=D(1980, 1, 1) + datetime.timedelta(days=i), name=f"申请人{i}")

    urls = ["/recruitment/?stage=applicant", "/api/v1/recruits?stage=applicant"]
    add(2, 0)
    few = {url: _queries(client, url) for url in urls}
    add(8, 2)
    many = {url: _queries(client, url) for url in urls}
    for url in urls:
        assert (few[url][1], many[url][1]) == (2, 10), url
        assert many[url][0] == few[url][0], url
        assert many[url][0] <= 8, url  # measured: 7 for the page, 5 for the API


# --- properties of the interval rules -----------------------------------------------------------------------

dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2028, 12, 31))


@given(day=dates)
def test_one_year_later_is_the_same_day_next_year_with_29_february_on_28_february(day):
    later = rules.add_years(day, 1)
    assert later == _one_year_after(day)
    assert (later - day).days in (365, 366)


@given(day=dates, months=st.integers(min_value=0, max_value=40))
def test_adding_months_keeps_the_day_or_clamps_to_the_month_end(day, months):
    later = rules.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + datetime.timedelta(days=1)).day == 1)


@given(birth=st.dates(min_value=D(1960, 1, 1), max_value=D(2012, 12, 31)), applied=dates)
def test_an_applicant_is_adult_iff_applying_on_or_after_the_18th_birthday(birth, applied):
    eighteenth = _years_after(birth, 18)
    assert (applied >= rules.adult_from(birth)) == (applied >= eighteenth)


@given(joined=dates, extension=st.one_of(st.none(), st.integers(6, 12)))
def test_probation_ends_one_year_on_plus_the_extension(joined, extension):
    ends = rules.probation_ends(joined, extension)
    months = 12 + (extension or 0)
    assert (ends.year * 12 + ends.month) - (joined.year * 12 + joined.month) == months
    month_end = (ends + datetime.timedelta(days=1)).day == 1
    assert ends.day == joined.day or (ends.day < joined.day and month_end)
    assert ends >= _one_year_after(joined)
    if extension is None:
        assert ends == _one_year_after(joined)


@pytest.mark.django_db
@time_machine.travel(LATER, tick=False)
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    activist_on=st.dates(min_value=D(2016, 1, 1), max_value=D(2027, 12, 31)),
    # Around the anniversary (364–367 days) more often than chance would give.
    offset=st.one_of(st.integers(min_value=-30, max_value=800), st.integers(min_value=360, max_value=370)),
)
@example(activist_on=D(2024, 2, 29), offset=364)  # 2025-02-27: refused
@example(activist_on=D(2024, 2, 29), offset=365)  # 2025-02-28: one year later
@example(activist_on=D(2023, 3, 1), offset=365)  # 2024-02-29: refused, the anniversary is 1 March
def test_promotion_to_candidate_succeeds_iff_one_year_has_passed(world, full_members, activist_on, offset):
    attempt = activist_on + datetime.timedelta(days=offset)
    with transaction.atomic():
        recruit = _activist(world.dgk_branch, full_members, activist_on)
        try:
            services.recruit_make_candidate(
                by=None, recruit=recruit, on=attempt, introducers=full_members[:2]
            )
        except ValidationError as exc:
            promoted = False
            assert _one_year_after(activist_on).isoformat() in exc.messages[0]
        else:
            promoted = True
        recruit.refresh_from_db()
        assert promoted == (attempt >= _one_year_after(activist_on))
        assert (recruit.stage == Stage.CANDIDATE) == promoted
        transaction.set_rollback(True)
