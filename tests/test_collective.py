"""The collective economy: companies and their years, "四议两公开" decisions, pages, API and demo data."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from openpyxl import load_workbook

from gongzhi.collective.demo import load_collective
from gongzhi.collective.models import (
    Company,
    CompanyYear,
    Decision,
    DecisionStep,
    Outcome,
    Step,
    StepDocument,
)
from gongzhi.collective.services import (
    company_create,
    company_year_record,
    decision_propose,
    decision_record_step,
    majority_for,
    quorum_met,
)
from gongzhi.core.models import AuditEvent
from gongzhi.demo.loader import load_bantian
from tests.factories import make_place

QUIET = lambda _message: None  # noqa: E731
LABELS = [
    "Proposal by the party branch",
    "Discussion by the two committees",
    "Review by the party members' meeting",
    "Decision by the shareholders' (representatives') meeting",
    "Decision made public",
    "Result of implementation made public",
]


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def pdf(name: str = "minutes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


def audit_rows() -> int:
    return AuditEvent.objects.filter(target_type__startswith="collective.").count()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def company(world) -> Company:
    return company_create(
        by=None,
        code="dgk-company",
        name="大光勘股份合作公司",
        resident_group=world.dgk,
        branch=world.dgk_branch,
        chairman="曾拥军",
        registered_on=d("1993-06-01"),
    )


def year(company: Company, y: int, **extra) -> CompanyYear:
    data = {"shareholders": 250, "revenue": "1000000", "profit": "600000", "dividend_per_share": "2000"}
    data.update(extra)
    return company_year_record(by=None, company=company, year=y, **data)


@pytest.fixture
def decision(company) -> Decision:
    return decision_propose(
        by=None, company=company, title="综合楼公开招租", subject="asset", held_on=d("2018-11-05")
    )


def take(decision: Decision, step: str, day: str, **extra) -> DecisionStep:
    return decision_record_step(by=None, decision=decision, step=step, held_on=d(day), **extra)


def up_to_vote(decision: Decision) -> None:
    take(decision, Step.COMMITTEES_DISCUSSION, "2018-11-12")
    take(decision, Step.MEMBERS_REVIEW, "2018-11-20", present=11, entitled=12)


def vote(decision: Decision, present: int, entitled: int, votes_for: int, day: str = "2018-12-02"):
    against = present - votes_for
    return take(
        decision,
        Step.SHAREHOLDERS_DECISION,
        day,
        present=present,
        entitled=entitled,
        votes_for=votes_for,
        votes_against=against,
        votes_abstain=0,
    )


def complete(decision: Decision, documents=()) -> None:
    up_to_vote(decision)
    vote(decision, 41, 45, 38)
    take(decision, Step.DECISION_PUBLISHED, "2018-12-05", documents=documents)
    take(decision, Step.RESULT_PUBLISHED, "2019-03-20", note="年租金186万元")


# --- the demo data and the finances contract ---------------------------------------------------------


@pytest.fixture
def demo(db, client, settings):
    settings.DEMO_MODE = True
    load_bantian(log=QUIET)
    load_collective(log=QUIET)
    assert client.login(username="wuhe", password="gongzhi-demo")
    return client


def test_the_article_figures_come_out_of_the_finances_api(demo):
    listing = demo.get("/api/v1/collective/companies?place=wuhe")
    assert listing.status_code == 200
    body = listing.json()
    assert set(body) == {"items", "count"}
    dgk = next(c for c in body["items"] if c["resident_group"] == "dagangkan")
    assert dgk["name"] == "大光勘股份合作公司" and isinstance(dgk["id"], int)
    assert body["count"] == len(body["items"]) >= 2  # 大光勘 and 光雅园 are both in 五和

    response = demo.get(f"/api/v1/collective/companies/{dgk['id']}/finances")
    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)
    years = [r["year"] for r in rows]
    assert years == sorted(years) == list(range(2004, timezone.localdate().year))
    by_year = {r["year"]: r for r in rows}
    assert by_year[2004]["dividend_per_share"] == 2000
    assert abs(by_year[2018]["dividend_per_share"] - 81_000) <= 500
    assert abs(by_year[2018]["revenue"] - 28_000_000) <= 500_000
    for row in rows:
        assert set(row) == {"year", "revenue", "profit", "dividend_per_share", "shareholders"}
        assert isinstance(row["year"], int) and isinstance(row["shareholders"], int)
        for key in ("revenue", "profit", "dividend_per_share"):
            assert isinstance(row[key], int | float) and not isinstance(row[key], bool)
    assert '"revenue": "' not in response.content.decode() and '"revenue":"' not in response.content.decode()
    # The dividend grew every year from 2004 to 2018.
    dividends = [by_year[y]["dividend_per_share"] for y in range(2004, 2019)]
    assert dividends == sorted(dividends) and len(set(dividends)) == len(dividends)


def test_the_demo_has_a_complete_decision_and_one_in_progress_and_loads_once(demo):
    done = Decision.objects.get(place__code="dagangkan")
    assert done.outcome == Outcome.COMPLETED and done.company.chairman == "曾拥军"
    assert done.company.branch.code == "dagangkan-zb"
    dates = list(done.steps.order_by("held_on").values_list("held_on", flat=True))
    assert len(dates) == 6 and dates[0].year == 2018 and dates[-1].year == 2019
    assert Decision.objects.filter(outcome=Outcome.OPEN).exclude(place__code="dagangkan").exists()
    page = demo.get(f"/collective/decisions/{done.pk}/print/").content.decode()
    assert "2018-12-02" in page and "41" in page
    before = (
        Company.objects.count(),
        CompanyYear.objects.count(),
        DecisionStep.objects.count(),
        audit_rows(),
    )
    load_collective(log=QUIET)
    assert (
        Company.objects.count(),
        CompanyYear.objects.count(),
        DecisionStep.objects.count(),
        audit_rows(),
    ) == before


# --- company years -----------------------------------------------------------------------------------


def test_the_total_is_computed_or_checked_within_rounding(company):
    computed = year(company, 2017, shareholders=252, dividend_per_share="62000")
    assert computed.total_dividends == Decimal("15624000.00")
    # Per share announced rounded to the yuan: a total within half a yuan per shareholder is accepted…
    close = year(company, 2016, shareholders=3, dividend_per_share="333", total_dividends="1000")
    assert close.total_dividends == Decimal("1000.00")
    # …a total further off is refused and nothing is saved.
    with pytest.raises(ValidationError) as exc:
        year(company, 2015, shareholders=3, dividend_per_share="333", total_dividends="1002")
    assert "total_dividends" in exc.value.message_dict
    assert not CompanyYear.objects.filter(year=2015).exists()


def test_negative_figures_and_duplicate_years_are_refused_by_the_service(company):
    year(company, 2018)
    before = audit_rows()
    for bad in ({"revenue": "-1"}, {"dividend_per_share": "-5"}, {"shareholders": -1}):
        with pytest.raises(ValidationError):
            year(company, 2019, **bad)
    with pytest.raises(ValidationError) as exc:
        year(company, 2018)
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError):
        year(company, timezone.localdate().year + 1)
    assert CompanyYear.objects.count() == 1 and audit_rows() == before
    # A loss is a fact, not an input error.
    assert year(company, 2019, profit="-120000").profit == Decimal("-120000.00")


def _year_form(y: int, **extra) -> dict:
    data = {"year": y, "shareholders": 250, "revenue": "28000000", "profit": "21000000"}
    data.update({"dividend_per_share": "81000", "total_dividends": "", "note": ""})
    data.update(extra)
    return data


def test_bad_year_records_through_the_form_are_400_and_save_nothing(company, secretary, client_for):
    client = client_for(secretary)
    url = f"/collective/companies/{company.pk}/years/new/"
    assert client.post(url, _year_form(2018)).status_code == 302
    before = (CompanyYear.objects.count(), audit_rows())
    negative = client.post(url, _year_form(2017, revenue="-28000000"))
    assert negative.status_code == 400
    duplicate = client.post(url, _year_form(2018, revenue="1"))
    assert duplicate.status_code == 400
    assert "2018" in duplicate.content.decode()
    assert client.post(url, _year_form(2016, revenue="lots")).status_code == 400
    assert (CompanyYear.objects.count(), audit_rows()) == before
    assert CompanyYear.objects.get().revenue == Decimal("28000000.00")
    assert CompanyYear.objects.get().total_dividends == Decimal("20250000.00")


def test_correcting_a_year_recomputes_the_total_and_is_audited(company, secretary, client_for):
    record = year(company, 2018, shareholders=252, dividend_per_share="80000")
    response = client_for(secretary).post(
        f"/collective/years/{record.pk}/edit/", _year_form(2018, shareholders=252)
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.dividend_per_share == Decimal("81000.00") and record.total_dividends == Decimal(
        "20412000.00"
    )
    event = AuditEvent.objects.filter(target_type="collective.companyyear", action="update").get()
    assert event.changes["dividend_per_share"] == ["80000.00", "81000.00"]


def test_the_company_page_has_the_table_the_chart_and_the_export(company, wuhe_staff, client_for):
    year(company, 2004, dividend_per_share="2000", revenue="1500000")
    year(company, 2018, dividend_per_share="81000", revenue="28000000", profit="21560000")
    client = client_for(wuhe_staff)
    page = client.get(f"/collective/companies/{company.pk}/").content.decode()
    assert 'data-years="2004|2018"' in page
    assert 'data-revenue="1500000.00|28000000.00"' in page and 'data-dividend="2000.00|81000.00"' in page
    assert "js/collective-chart.js" in page and "vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page  # the chart reads data-* attributes: no inline script
    export = client.get(f"/collective/companies/{company.pk}/export/")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).worksheets[1]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [2004, 2018] and rows[1][3] == 28_000_000


# --- 四议两公开 ------------------------------------------------------------------------------------------


def test_a_step_out_of_order_is_refused_naming_the_step_to_complete_first(decision):
    steps, audits = DecisionStep.objects.count(), audit_rows()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        take(decision, Step.MEMBERS_REVIEW, "2018-11-20")
    assert exc.value.message_dict["step"] == ["First complete: Discussion by the two committees"]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        take(decision, Step.RESULT_PUBLISHED, "2019-03-20")
    assert "Discussion by the two committees" in exc.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        take(decision, Step.PROPOSAL, "2018-11-06")
    assert "already recorded" in exc.value.messages[0]
    assert (DecisionStep.objects.count(), audit_rows()) == (steps, audits)
    decision.refresh_from_db()
    assert decision.stage == Step.PROPOSAL and decision.next_step == Step.COMMITTEES_DISCUSSION


def test_the_vote_cannot_be_skipped_and_dates_cannot_go_back(decision):
    up_to_vote(decision)
    steps = DecisionStep.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        take(decision, Step.DECISION_PUBLISHED, "2018-12-05")
    assert exc.value.messages == ["First complete: Decision by the shareholders' (representatives') meeting"]
    with pytest.raises(ValidationError) as exc:
        vote(decision, 41, 45, 38, day="2018-11-19")  # the members' review was on 11-20
    assert "held_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        vote(decision, 41, 45, 38, day=(timezone.localdate() + datetime.timedelta(days=1)).isoformat())
    assert DecisionStep.objects.count() == steps


def test_an_out_of_order_step_through_the_page_is_400_with_the_message(decision, secretary, client_for):
    steps, audits = DecisionStep.objects.count(), audit_rows()
    response = client_for(secretary).post(
        f"/collective/decisions/{decision.pk}/steps/",
        {"step": "members_review", "held_on": "2018-11-20", "note": ""},
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = str(Step.COMMITTEES_DISCUSSION.label)
    assert escape(expected) in response.content.decode()
    assert (DecisionStep.objects.count(), audit_rows()) == (steps, audits)


def test_quorum_and_majority_rules_at_their_boundaries():
    assert quorum_met(20, 30) and not quorum_met(19, 30)
    assert quorum_met(30, 45) and not quorum_met(29, 45)
    assert quorum_met(2, 3) and not quorum_met(1, 3)
    assert majority_for(11, 20) and not majority_for(10, 20)
    assert majority_for(6, 11) and not majority_for(5, 11)


def test_exactly_two_thirds_present_decides_one_fewer_is_refused(decision):
    up_to_vote(decision)
    steps, audits = DecisionStep.objects.count(), audit_rows()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        vote(decision, 19, 30, 19)
    assert "19 of 30 were present, 20 are needed" in exc.value.message_dict["present"][0]
    assert (DecisionStep.objects.count(), audit_rows()) == (steps, audits)
    step = vote(decision, 20, 30, 11)
    assert step.passed is True
    decision.refresh_from_db()
    assert decision.outcome == Outcome.OPEN and decision.next_step == Step.DECISION_PUBLISHED


def test_exactly_half_in_favour_rejects_and_only_a_new_proposal_may_follow(decision, company):
    up_to_vote(decision)
    step = vote(decision, 20, 30, 10)
    assert step.passed is False
    decision.refresh_from_db()
    assert decision.outcome == Outcome.REJECTED and decision.next_step is None
    steps = DecisionStep.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        take(decision, Step.DECISION_PUBLISHED, "2018-12-05")
    assert "new proposal" in exc.value.messages[0]
    assert DecisionStep.objects.count() == steps
    again = decision_propose(
        by=None,
        company=company,
        title="综合楼公开招租（修改方案）",
        subject="asset",
        held_on=d("2018-12-10"),
        follows=decision,
    )
    assert again.follows == decision and again.next_step == Step.COMMITTEES_DISCUSSION


def test_votes_must_add_up_and_belong_to_the_shareholders_meeting(decision):
    with pytest.raises(ValidationError):
        take(
            decision, Step.COMMITTEES_DISCUSSION, "2018-11-12", votes_for=5, votes_against=0, votes_abstain=0
        )
    take(decision, Step.COMMITTEES_DISCUSSION, "2018-11-12")
    take(decision, Step.MEMBERS_REVIEW, "2018-11-20")
    with pytest.raises(ValidationError):
        take(decision, Step.SHAREHOLDERS_DECISION, "2018-12-02", present=30, entitled=30)
    with pytest.raises(ValidationError):
        take(
            decision,
            Step.SHAREHOLDERS_DECISION,
            "2018-12-02",
            present=30,
            entitled=30,
            votes_for=20,
            votes_against=10,
            votes_abstain=1,
        )
    with pytest.raises(ValidationError):
        vote(decision, 31, 30, 20)


def test_every_step_is_audited(decision):
    complete(decision)
    actions = set(
        AuditEvent.objects.filter(target_type="collective.decisionstep").values_list("action", flat=True)
    )
    assert actions == {f"step:{s}" for s in Step.values}
    assert AuditEvent.objects.filter(target_type="collective.decision", action="create").count() == 1


def test_the_printable_chain_shows_all_six_steps_with_dates_votes_and_documents(
    decision, wuhe_staff, client_for, media
):
    complete(decision, documents=[pdf("决议公告.pdf")])
    response = client_for(wuhe_staff).get(f"/collective/decisions/{decision.pk}/print/")
    assert response.status_code == 200
    page = response.content.decode()
    for label in Step.labels:
        assert escape(str(label)) in page
    for day in ("2018-11-05", "2018-11-12", "2018-11-20", "2018-12-02", "2018-12-05", "2019-03-20"):
        assert day in page
    assert "决议公告.pdf" in page and "@media print" in page
    assert "41" in page and "38" in page
    # The labels of the six steps are these, in English source (translated by the catalogue).
    with translation.override("en"):
        assert [str(label) for label in Step.labels] == LABELS


def test_the_chain_of_a_decision_in_progress_shows_what_is_still_to_come(decision, wuhe_staff, client_for):
    take(decision, Step.COMMITTEES_DISCUSSION, "2018-11-12")
    page = client_for(wuhe_staff).get(f"/collective/decisions/{decision.pk}/print/").content.decode()
    assert page.count('data-step="') == 6
    states = [page.count(f"gz-chain-step gz-chain-{state} ") for state in ("done", "next", "to_come")]
    assert states == [2, 1, 3]


def test_documents_are_checked_by_their_bytes_and_served_in_scope(
    decision, secretary, outsider, client_for, media
):
    fake = SimpleUploadedFile("minutes.pdf", b"not a pdf at all\n" * 20, content_type="application/pdf")
    steps = DecisionStep.objects.count()
    with pytest.raises(ValidationError):
        take(decision, Step.COMMITTEES_DISCUSSION, "2018-11-12", documents=[fake])
    assert DecisionStep.objects.count() == steps and not StepDocument.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []
    step = take(decision, Step.COMMITTEES_DISCUSSION, "2018-11-12", documents=[pdf()])
    document = step.documents.get()
    assert document.file.name.endswith(".pdf") and "minutes" not in document.file.name
    assert client_for(secretary).get(f"/collective/documents/{document.pk}/").status_code == 200
    assert client_for(outsider).get(f"/collective/documents/{document.pk}/").status_code == 404


def test_a_step_with_a_document_through_the_page(decision, secretary, client_for, media):
    response = client_for(secretary).post(
        f"/collective/decisions/{decision.pk}/steps/",
        {
            "step": "committees_discussion",
            "held_on": "2018-11-12",
            "present": 9,
            "entitled": 9,
            "document": pdf(),
        },
    )
    assert response.status_code == 302
    assert decision.steps.get(step="committees_discussion").documents.count() == 1


def test_the_api_shows_a_decision_with_its_six_steps(decision, wuhe_staff, outsider, client_for):
    complete(decision)
    client = client_for(wuhe_staff)
    listing = client.get("/api/v1/collective/decisions?place=wuhe").json()
    assert listing["count"] == 1 and listing["items"][0]["outcome"] == "completed"
    body = client.get(f"/api/v1/collective/decisions/{decision.pk}").json()
    assert [s["step"] for s in body["steps"]] == Step.values
    vote_step = body["steps"][3]
    assert (
        vote_step["held_on"] == "2018-12-02" and vote_step["votes_for"] == 38 and vote_step["passed"] is True
    )
    outsider_client = client_for(outsider)
    assert outsider_client.get(f"/api/v1/collective/decisions/{decision.pk}").status_code == 404
    assert outsider_client.get("/api/v1/collective/decisions?place=dgk").status_code == 404


# --- who sees and changes what -----------------------------------------------------------------------


def test_community_staff_see_the_groups_company_and_an_outsider_does_not(
    company, wuhe_staff, outsider, client_for
):
    year(company, 2018)
    staff = client_for(wuhe_staff)
    assert "大光勘股份合作公司" in staff.get("/collective/").content.decode()
    assert staff.get(f"/collective/companies/{company.pk}/").status_code == 200
    assert staff.get("/api/v1/collective/companies?place=wuhe").json()["count"] == 1
    assert staff.get(f"/api/v1/collective/companies/{company.pk}/finances").status_code == 200
    other = client_for(outsider)
    assert "大光勘股份合作公司" not in other.get("/collective/").content.decode()
    assert other.get(f"/collective/companies/{company.pk}/").status_code == 404
    assert other.get(f"/api/v1/collective/companies/{company.pk}/finances").status_code == 404
    assert other.get("/api/v1/collective/companies?place=dgk").status_code == 404
    assert other.get("/api/v1/collective/companies").json()["count"] == 0


def test_an_auditor_reads_but_cannot_write(company, decision, auditor, client_for):
    client = client_for(auditor)
    assert client.get(f"/collective/companies/{company.pk}/").status_code == 200
    assert client.get(f"/collective/decisions/{decision.pk}/").status_code == 200
    assert client.get(f"/collective/companies/{company.pk}/years/new/").status_code == 403
    assert client.post(f"/collective/companies/{company.pk}/years/new/", _year_form(2018)).status_code == 403
    response = client.post(
        f"/collective/decisions/{decision.pk}/steps/",
        {"step": "committees_discussion", "held_on": "2018-11-12"},
    )
    assert response.status_code == 403
    assert client.get("/collective/companies/new/").status_code == 403
    assert client.get("/collective/decisions/new/").status_code == 403
    assert not CompanyYear.objects.exists() and decision.steps.count() == 1
    with pytest.raises(PermissionDenied):
        company_year_record(
            by=auditor, company=company, year=2018, shareholders=1, revenue=1, profit=1, dividend_per_share=1
        )


def test_a_resident_sees_no_staff_pages(company, decision, resident, client_for):
    client = client_for(resident)
    for url in ("/collective/", "/collective/decisions/", f"/collective/companies/{company.pk}/"):
        assert client.get(url).status_code == 403
    assert client.get(f"/collective/decisions/{decision.pk}/print/").status_code == 403


def test_a_secretary_registers_a_company_and_proposes_for_the_own_group_only(world, secretary, client_for):
    client = client_for(secretary)
    response = client.post(
        "/collective/companies/new/",
        {
            "code": "dgk-co",
            "name": "大光勘股份合作公司",
            "resident_group": world.dgk.pk,
            "branch": world.dgk_branch.pk,
        },
    )
    assert response.status_code == 302
    company = Company.objects.get(code="dgk-co")
    assert company.resident_group == world.dgk
    assert AuditEvent.objects.filter(target_type="collective.company", action="create").count() == 1
    refused = client.post(
        "/collective/companies/new/", {"code": "jzy-co", "name": "x", "resident_group": world.estate.pk}
    )
    assert refused.status_code == 400 and not Company.objects.filter(code="jzy-co").exists()
    proposed = client.post(
        "/collective/decisions/new/",
        {"company": company.pk, "title": "集体资金修缮道路", "subject": "fund", "held_on": "2019-04-01"},
    )
    assert proposed.status_code == 302
    assert Decision.objects.get().steps.get().step == Step.PROPOSAL


# --- query counts ------------------------------------------------------------------------------------


def _companies(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        group = make_place("resident_group", world.wuhe, name=f"小组{i}", code=f"group-{i}")
        company = company_create(by=None, code=f"company-{i}", name=f"公司{i}", resident_group=group)
        year(company, 2017)
        year(company, 2018)
        decision_propose(by=None, company=company, title=f"议题{i}", subject="fund", held_on=d("2018-11-05"))


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/collective/",
        "/collective/?place=wuhe",
        "/collective/decisions/",
        "/api/v1/collective/companies?place=wuhe",
        "/api/v1/collective/decisions",
    ],
)
def test_lists_take_the_same_number_of_queries_at_n_and_3n(world, wuhe_staff, client_for, url):
    client = client_for(wuhe_staff)
    _companies(world, 3, 0)
    few = _queries(client, url)
    _companies(world, 6, 3)
    many = _queries(client, url)
    assert few == many
    if url.startswith("/api/"):
        assert json.loads(client.get(url).content)["count"] == 9
