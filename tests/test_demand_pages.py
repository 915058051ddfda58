"""Staff pages of resident demands: worklist, list, a demand's page and its actions, intake, statistics.

Demands are created through services.demand_submit; actions go through the pages. A refused action must
answer 400 with the service's message and leave the demand exactly as it was."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.demands import services
from gongzhi.demands.models import Category, Demand, DemandEvent, DemandPhoto, Level, Status
from tests.factories import make_point

PHONE = "13812345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ACTIONS = (
    "accept",
    "dispatch",
    "contact",
    "transfer",
    "return",
    "extend",
    "resolve",
    "escalate",
    "reject",
    "merge",
)


@pytest.fixture
def category(db):
    return Category.objects.create(code="repair", name="公共设施维修", limit_days=5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def submit(place, category, description="楼道灯坏了，晚上很黑", **kwargs) -> Demand:
    data = {"by": None, "channel": "walk_in", "contact_name": "张三", "contact_phone": PHONE}
    data.update(kwargs)
    return services.demand_submit(category=category, place=place, description=description, **data)


def status_on_page(client, demand: Demand) -> str:
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    match = re.search(r'data-testid="demand-status" data-status="([a-z_]+)"', page)
    assert match, "the status badge is missing"
    return match.group(1)


def snapshot(demand: Demand) -> tuple:
    fresh = Demand.objects.get(pk=demand.pk)
    return (
        fresh.status,
        fresh.level,
        fresh.extension_days,
        fresh.reply,
        DemandEvent.objects.filter(demand=demand).count(),
    )


# --- the actions, through the pages ------------------------------------------------------------------------


def test_a_demand_goes_from_submitted_to_resolved_through_the_page(
    client_for, wuhe_staff, secretary, world, category
):
    demand = submit(world.dgk, category)
    client = client_for(wuhe_staff)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="action-accept"' in page and 'data-testid="action-contact"' not in page

    response = client.post(f"/demands/{demand.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/demands/{demand.pk}/"
    assert status_on_page(client, demand) == Status.ACCEPTED

    client.post(f"/demands/{demand.pk}/dispatch/", {"handler": secretary.pk, "note": "请尽快处理"})
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED and demand.handler == secretary

    client.post(f"/demands/{demand.pk}/contact/", {"note": "已电话联系"})
    assert status_on_page(client, demand) == Status.IN_PROGRESS

    client.post(f"/demands/{demand.pk}/extend/", {"days": 3, "reason": "需要采购灯具"})
    demand.refresh_from_db()
    assert demand.extension_days == 3

    response = client.post(f"/demands/{demand.pk}/resolve/", {"reply": "已更换灯具"}, follow=True)
    assert response.status_code == 200
    assert 'data-status="resolved"' in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED and demand.reply == "已更换灯具"
    kinds = list(demand.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "dispatched", "contacted", "extension_granted", "resolved"]


def test_transfer_return_escalate_reject_and_merge(client_for, wuhe_staff, world, category):
    other = make_point(world.wuhe, [], kind="station", code="wuhe-east")
    client = client_for(wuhe_staff)

    moved = submit(world.dgk, category)
    page = client.get(f"/demands/{moved.pk}/").content.decode()
    assert f'value="{other.pk}"' in page  # the open service points of the community are offered
    client.post(f"/demands/{moved.pk}/transfer/", {"station": other.pk, "reason": "归东片站点处理"})
    moved.refresh_from_db()
    assert moved.station == other and moved.status == Status.DISPATCHED

    client.post(f"/demands/{moved.pk}/return/", {"reason": "不属于本站职责"})
    moved.refresh_from_db()
    assert moved.status == Status.RETURNED

    client.post(f"/demands/{moved.pk}/escalate/", {"reason": "需要社区协调"})
    moved.refresh_from_db()
    assert moved.level == Level.COMMUNITY

    refused = submit(world.xincun, category, description="邻居装修噪音")
    client.post(f"/demands/{refused.pk}/reject/", {"reason": "属于派出所职责"})
    refused.refresh_from_db()
    assert refused.status == Status.REJECTED and refused.reply == "属于派出所职责"

    first = submit(world.estate, category, description="三栋电梯经常停运困人")
    duplicate = submit(world.estate, category, description="三栋电梯经常停运，困人")
    page = client.get(f"/demands/{duplicate.pk}/similar/").content.decode()
    assert f'data-testid="merge-into-{first.number}"' in page  # shown among the similar open demands
    client.post(f"/demands/{duplicate.pk}/merge/", {"into": first.number})
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == first


def test_each_action_button_carries_its_test_hook(client_for, admin_user, world, category):
    client = client_for(admin_user)
    submitted = submit(world.dgk, category)
    page = client.get(f"/demands/{submitted.pk}/").content.decode()
    assert 'data-testid="action-transfer"' not in page  # no other service point in 五和 to transfer to
    make_point(world.wuhe, [], kind="station", code="wuhe-east")
    page = client.get(f"/demands/{submitted.pk}/").content.decode()
    for name in ("accept", "dispatch", "transfer", "extend", "resolve", "escalate", "reject", "merge"):
        assert f'data-testid="action-{name}"' in page, name
    assert re.search(r'<textarea name="reply"', page)
    services.demand_dispatch(by=None, demand=submitted)
    page = client.get(f"/demands/{submitted.pk}/").content.decode()
    for name in ("contact", "return"):
        assert f'data-testid="action-{name}"' in page, name
    assert 'data-testid="action-accept"' not in page and 'data-testid="action-reject"' not in page


# --- refused input: 400, the message, nothing changed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("resolve", {"reply": "  "}, "Write the reply the resident will read."),
        ("return", {"reason": ""}, "Say why it is returned."),
        ("reject", {"reason": ""}, "Say why it cannot be accepted."),
        ("extend", {"days": 11, "reason": "材料未到"}, "An extension is 1 to 10 working days in all."),
        ("extend", {"days": 2, "reason": ""}, "Say why more time is needed."),
        ("accept", {}, None),  # already dispatched: the service says the state does not allow it
    ],
)
def test_refused_actions_answer_400_with_the_message_and_change_nothing(
    client_for, wuhe_staff, world, category, action, data, message
):
    demand = submit(world.dgk, category)
    if action != "reject":
        services.demand_dispatch(by=None, demand=demand)
    before = snapshot(demand)
    response = client_for(wuhe_staff).post(f"/demands/{demand.pk}/{action}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="action-errors"' in page
    if message:
        assert escape(gettext(message)) in page
    assert snapshot(demand) == before


def test_a_merge_into_an_unknown_number_is_refused(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category)
    before = snapshot(demand)
    response = client_for(wuhe_staff).post(f"/demands/{demand.pk}/merge/", {"into": "SQ000"})
    assert response.status_code == 400
    assert (
        escape(gettext("No demand with this number at the places you handle.")) in response.content.decode()
    )
    assert snapshot(demand) == before


# --- who may see and do what --------------------------------------------------------------------------------


def test_the_outsider_does_not_see_another_communitys_demand(client_for, outsider, world, category):
    demand = submit(world.dgk, category)
    client = client_for(outsider)
    assert client.get(f"/demands/{demand.pk}/").status_code == 404
    before = snapshot(demand)
    for action in ACTIONS:
        assert (
            client.post(f"/demands/{demand.pk}/{action}/", {"reason": "x", "reply": "x"}).status_code == 404
        )
    assert client.post(f"/demands/{demand.pk}/reveal/").status_code == 404
    assert snapshot(demand) == before
    assert demand.number not in client.get("/demands/all/").content.decode()
    assert demand.number not in client.get("/demands/").content.decode()


def test_the_auditor_reads_every_page_and_changes_nothing(client_for, auditor, world, category):
    demand = submit(world.dgk, category)
    client = client_for(auditor)
    for url in (
        "/demands/",
        "/demands/all/",
        f"/demands/{demand.pk}/",
        "/demands/stats/",
        "/demands/all.csv",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="action-' not in page and 'data-testid="reveal-phone"' not in page
    before = snapshot(demand)
    for action in ACTIONS:
        data = {"reason": "x", "reply": "x", "days": 1, "into": demand.number}
        assert client.post(f"/demands/{demand.pk}/{action}/", data).status_code == 403, action
    assert client.post(f"/demands/{demand.pk}/reveal/").status_code == 403
    assert (
        client.post("/demands/bulk-dispatch/", {"ids": [demand.pk], "handler": auditor.pk}).status_code == 403
    )
    assert client.get("/demands/new/").status_code == 403
    assert snapshot(demand) == before
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_the_resident_uses_the_portal_not_the_staff_pages(client_for, resident, world, category):
    others = submit(world.plaza, category)
    own = submit(world.plaza, category, channel="portal", by=resident, description="小区门口积水")
    client = client_for(resident)
    assert client.get("/demands/").status_code == 403
    assert client.get("/demands/all/").status_code == 403
    assert client.get("/demands/worklist.csv").status_code == 403
    assert client.get(f"/demands/{others.pk}/").status_code == 404
    assert client.post(f"/demands/{others.pk}/accept/").status_code == 404
    response = client.get(f"/demands/{own.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/m/demands/{own.pk}/"


# --- personal data -----------------------------------------------------------------------------------------


def test_the_description_is_shown_escaped(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category, description='<script>alert("x")</script><b>灯坏了</b>')
    page = client_for(wuhe_staff).get(f"/demands/{demand.pk}/").content.decode()
    assert "<script>alert" not in page and "<b>灯坏了</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_phone_is_masked_on_the_page_and_in_the_exports(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category)
    client = client_for(wuhe_staff)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert PHONE not in page and demand.contact_phone_masked in page
    for url in ("/demands/worklist.csv", "/demands/all.csv"):
        response = client.get(url)
        text = response.content.decode("utf-8-sig")
        assert response["Content-Type"].startswith("text/csv")
        assert demand.number in text and PHONE not in text and "138****5678" in text
    response = client.get("/demands/worklist.xlsx")
    values = [
        c
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert demand.number in values and "138****5678" in values and PHONE not in values


def test_a_reveal_shows_the_phone_and_is_audited(client_for, secretary, grid_worker, world, category):
    demand = submit(world.dgk, category)
    xincun = submit(world.xincun, category)
    assert client_for(grid_worker).post(f"/demands/{xincun.pk}/reveal/").status_code == 403
    client = client_for(secretary)
    assert 'data-testid="reveal-phone"' in client.get(f"/demands/{demand.pk}/").content.decode()
    response = client.post(f"/demands/{demand.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and PHONE in response.content.decode()
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == secretary and event.target_id == str(demand.pk)
    assert event.target_type == "demands.demand"


def test_photos_are_served_only_to_those_who_may_read_the_demand(
    client_for, wuhe_staff, outsider, world, category
):
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    demand = submit(world.dgk, category, photos=[photo])
    stored = DemandPhoto.objects.get(demand=demand)
    page = client_for(wuhe_staff).get(f"/demands/{demand.pk}/").content.decode()
    assert f"/demands/photos/{stored.pk}/" in page and "/media/" not in page
    response = client_for(wuhe_staff).get(f"/demands/photos/{stored.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert client_for(outsider).get(f"/demands/photos/{stored.pk}/").status_code == 404


# --- worklist, list and bulk assignment ------------------------------------------------------------------------


def test_the_worklist_filters_counts_and_sorts_by_deadline(client_for, wuhe_staff, world, category):
    late = submit(world.dgk, category, at=timezone.now() - datetime.timedelta(days=30))
    fresh = submit(world.xincun, category, description="垃圾桶满了")
    done = submit(world.estate, category)
    services.demand_resolve(by=None, demand=done, reply="已处理")
    services.demand_accept(by=None, demand=fresh)
    client = client_for(wuhe_staff)
    page = client.get("/demands/").content.decode()
    assert page.index(late.number) < page.index(fresh.number)  # soonest deadline first
    assert done.number not in page
    assert 'data-testid="overdue"' in page
    assert re.search(r'data-testid="pill-overdue">[^<]*<span class="badge text-bg-danger">1<', page)
    overdue_only = client.get("/demands/?overdue=on").content.decode()
    assert late.number in overdue_only and fresh.number not in overdue_only
    accepted = client.get("/demands/?status=accepted").content.decode()
    assert fresh.number in accepted and late.number not in accepted
    by_place = client.get("/demands/?place=whxc").content.decode()  # pinyin initials of 五和新村
    assert fresh.number in by_place and late.number not in by_place
    by_place = client.get("/demands/?place=dgk").content.decode()
    assert late.number in by_place and fresh.number not in by_place
    today = timezone.localdate().isoformat()
    recent = client.get(f"/demands/?since={today}").content.decode()
    assert fresh.number in recent and late.number not in recent
    assert client.get("/demands/?since=garbage&category=x").status_code == 200


def test_the_list_searches_by_number_and_text(client_for, wuhe_staff, world, category):
    lamp = submit(world.dgk, category, description="路灯不亮")
    water = submit(world.dgk, category, description="水管漏水")
    services.demand_resolve(by=None, demand=water, reply="已修好")
    client = client_for(wuhe_staff)
    found = client.get("/demands/all/?q=漏水").content.decode()
    assert water.number in found and lamp.number not in found
    found = client.get(f"/demands/all/?q={lamp.number}").content.decode()
    assert lamp.number in found and water.number not in found
    resolved = client.get("/demands/all/?status=resolved").content.decode()
    assert water.number in resolved and lamp.number not in resolved


def test_bulk_assignment_dispatches_what_it_can_and_reports_the_rest(
    client_for, wuhe_staff, secretary, world, category
):
    a = submit(world.dgk, category)
    b = submit(world.dgk, category, description="井盖松动")
    already = submit(world.dgk, category, description="树枝挡路")
    services.demand_dispatch(by=None, demand=already)
    elsewhere = submit(world.xincun, category, description="路面破损")  # the secretary cannot handle 五和新村
    client = client_for(wuhe_staff)
    page = client.get("/demands/").content.decode()
    assert f'<option value="{secretary.pk}">' in page
    response = client.post(
        "/demands/bulk-dispatch/",
        {
            "ids": [a.pk, b.pk, already.pk, elsewhere.pk],
            "handler": secretary.pk,
            "next": "/demands/?sort=due",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/demands/?sort=due"
    # Dispatching again reassigns a demand already dispatched.
    for d in (a, b, already):
        d.refresh_from_db()
        assert d.status == Status.DISPATCHED and d.handler == secretary
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.SUBMITTED and elsewhere.handler is None
    messages = [str(m) for m in response.context["messages"]]
    assert any(a.number in m and b.number in m and already.number in m for m in messages)
    assert any(elsewhere.number in m for m in messages)


def test_bulk_assignment_needs_a_handler(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category)
    client_for(wuhe_staff).post("/demands/bulk-dispatch/", {"ids": [demand.pk], "handler": ""})
    demand.refresh_from_db()
    assert demand.status == Status.SUBMITTED


# --- intake ----------------------------------------------------------------------------------------------


def test_staff_register_a_walk_in_with_photos(client_for, wuhe_staff, world, category):
    client = client_for(wuhe_staff)
    assert client.get("/demands/new/").status_code == 200
    lookup = client.get("/demands/lookup/places/", {"place_q": "dgk", "mode": "staff"}).content.decode()
    assert 'value="dgk"' in lookup
    photos = [SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(2)]
    data = {
        "channel": "phone",
        "category": category.pk,
        "place": "dgk",
        "description": "小区东门路灯坏了",
        "contact_name": "李四",
        "contact_phone": "13900001111",
        "photos": photos,
    }
    response = client.post("/demands/new/", data)
    demand = Demand.objects.get(description="小区东门路灯坏了")
    assert response.status_code == 302 and response["Location"] == f"/demands/{demand.pk}/"
    assert demand.channel == "phone" and demand.place == world.dgk and demand.photos.count() == 2
    assert demand.contact_phone == "13900001111"


def test_intake_refuses_bad_input_and_places_out_of_reach(client_for, secretary, world, category):
    client = client_for(secretary)
    base = {"channel": "walk_in", "category": category.pk, "description": "问题", "contact_phone": "12"}
    response = client.post("/demands/new/", {**base, "place": "dgk"})
    assert response.status_code == 400 and not Demand.objects.exists()
    response = client.post("/demands/new/", {**base, "contact_phone": "", "place": "wuhe-xincun"})
    assert response.status_code == 400 and not Demand.objects.exists()
    too_many = [SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(7)]
    response = client.post("/demands/new/", {**base, "contact_phone": "", "place": "dgk", "photos": too_many})
    assert response.status_code == 400 and not Demand.objects.exists()


def test_the_similar_open_demands_show_before_submitting(client_for, wuhe_staff, world, category):
    existing = submit(world.dgk, category, description="三栋电梯经常停运困人")
    params = {"category": category.pk, "place": "dgk", "description": "三栋电梯又停运困人了"}
    response = client_for(wuhe_staff).get("/demands/lookup/similar/", params)
    assert existing.number in response.content.decode()
    response = client_for(wuhe_staff).get("/demands/lookup/similar/", {**params, "place": ""})
    assert existing.number not in response.content.decode()


def test_a_grid_worker_reports_in_their_grid_only(client_for, grid_worker, world, category):
    client = client_for(grid_worker)
    assert client.get("/demands/new/").status_code == 403
    assert client.get("/demands/grid-report/").status_code == 200
    data = {"category": category.pk, "place": "wuhe-xincun", "description": "消防通道堆放杂物"}
    response = client.post("/demands/grid-report/", data)
    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.channel == "grid" and demand.submitted_by == grid_worker
    assert client.get(f"/demands/{demand.pk}/").status_code == 200
    response = client.post("/demands/grid-report/", {**data, "place": "dgk"})
    assert response.status_code == 400 and Demand.objects.count() == 1


# --- statistics ------------------------------------------------------------------------------------------


def test_statistics_from_the_roll_up_and_their_export(client_for, wuhe_staff, world, category):
    for place in (world.dgk, world.dgk, world.xincun):
        demand = submit(place, category)
    services.demand_resolve(by=None, demand=demand, reply="已处理")
    client = client_for(wuhe_staff)
    response = client.get("/demands/stats/")
    assert response.status_code == 200
    assert response.context["place"] == world.wuhe
    assert response.context["stats"]["total"] == 3 and response.context["stats"]["resolved"] == 1
    rows = {r["place"].code: r["total"] for r in response.context["by_place"]}
    assert rows == {"dgk": 2, "wuhe-xincun": 1, "jzy": 0}
    page = response.content.decode()
    assert 'id="demand-month-chart"' in page and "js/demand-stats.js" in page and "<script>" not in page
    assert client.get("/demands/stats/?place=city-plaza").status_code == 404
    response = client.get("/demands/stats.xlsx?place=wuhe")
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 4
    summary = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert 3 in summary.values()


# --- queries do not grow with the data ---------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_queries_do_not_grow_with_demands(client_for, wuhe_staff, secretary, world, category):
    client = client_for(wuhe_staff)
    counts = []
    for n in (3, 6):  # 3 then 9 in all
        for i in range(n):
            demand = submit(world.dgk, category, description=f"第{i}号问题")
            services.demand_dispatch(by=None, demand=demand, handler=secretary)
            services.demand_resolve(by=None, demand=demand, reply="好") if i % 3 == 0 else None
        counts.append(
            [
                _queries(client, url)
                for url in ("/demands/", "/demands/all/", "/demands/stats/", "/demands/all.csv")
            ]
        )
    assert counts[0] == counts[1]


def test_detail_queries_do_not_grow_with_events(client_for, wuhe_staff, world, category):
    client = client_for(wuhe_staff)
    demand = submit(world.dgk, category)
    services.demand_dispatch(by=None, demand=demand)
    counts = []
    for n in (3, 6):
        for _ in range(n):
            services.demand_contact(by=wuhe_staff, demand=demand, note="再次联系")
        counts.append(_queries(client, f"/demands/{demand.pk}/"))
    assert counts[0] == counts[1]


# --- texts the system keeps, links and empty states -----------------------------------------------------


def test_notes_the_system_writes_are_in_chinese_when_staff_work_in_english(
    client_for, wuhe_staff, world, category
):
    demand = submit(world.dgk, category)
    client = client_for(wuhe_staff)
    client.cookies["django_language"] = "en"
    client.post(f"/demands/{demand.pk}/accept/")
    client.post(f"/demands/{demand.pk}/extend/", {"days": "2", "reason": "等配件"})

    note = DemandEvent.objects.get(demand=demand, kind="extension_granted").note
    assert "working days" not in note and note.endswith("等配件"), note


def test_an_agenda_item_links_to_its_committee_topic(client_for, wuhe_staff, world, category):
    from gongzhi.deliberation import services as deliberation
    from gongzhi.deliberation.models import CommitteeKind, Topic

    demand = submit(world.estate, category)
    committee = deliberation.committee_create(
        by=wuhe_staff,
        kind=CommitteeKind.CONSULTATION_COMMITTEE,
        name="佳兆业花园事务协商委员会",
        place=world.estate,
        branch=world.estate_branch,
    )
    topic = Topic.objects.create(committee=committee, title="楼道照明")
    services.demand_put_on_agenda(by=wuhe_staff, demand=demand, agenda_ref=f"deliberation:topic:{topic.pk}")

    page = client_for(wuhe_staff).get(f"/demands/{demand.pk}/").content.decode()

    assert f'<a href="/deliberation/topics/{topic.pk}/">楼道照明</a>' in page


def test_a_grid_worker_finds_the_grid_report_on_the_worklist(client_for, grid_worker, wuhe_staff):
    assert 'data-testid="grid-report"' in client_for(grid_worker).get("/demands/").content.decode()
    assert 'data-testid="grid-report"' not in client_for(wuhe_staff).get("/demands/").content.decode()


def test_an_empty_worklist_says_so_and_blames_the_filters_only_when_there_are_some(client_for, wuhe_staff):
    client = client_for(wuhe_staff)
    client.cookies["django_language"] = "en"
    plain = client.get("/demands/").content.decode()
    assert "There are no demands here now." in plain and "Clear the filters" not in plain
    filtered = client.get("/demands/?overdue=on").content.decode()
    assert "Clear the filters to see more." in filtered


def test_a_refused_entry_says_its_photos_must_be_chosen_again(client_for, wuhe_staff, world, category):
    client = client_for(wuhe_staff)
    photo = SimpleUploadedFile("lamp.png", PNG, content_type="image/png")
    data = {"channel": "phone", "category": category.pk, "place": "dgk", "description": "", "photos": [photo]}
    response = client.post("/demands/new/", data)
    assert response.status_code == 400 and not Demand.objects.exists()
    assert 'data-testid="photos-dropped"' in response.content.decode()
    without = client.post("/demands/new/", {**data, "photos": []})
    assert 'data-testid="photos-dropped"' not in without.content.decode()


def test_the_list_finds_a_demand_by_part_of_its_number_or_the_residents_name(
    client_for, wuhe_staff, world, category
):
    demand = submit(world.dgk, category, contact_name="王小明")
    other = submit(world.dgk, category, description="别的问题", contact_name="李四")
    client = client_for(wuhe_staff)
    for text in (demand.number[-6:], "小明"):
        page = client.get("/demands/all/", {"q": text}).content.decode()
        assert demand.number in page and other.number not in page, text


def test_a_search_that_found_several_places_comes_back_with_the_list(client_for, wuhe_staff, world, category):
    data = {"channel": "phone", "category": category.pk, "place_q": "五和", "description": "路灯坏了"}
    response = client_for(wuhe_staff).post("/demands/new/", data)
    page = response.content.decode()
    assert response.status_code == 400 and not Demand.objects.exists()
    assert 'data-testid="place-choices"' in page
    assert 'value="wuhe-xincun"' in page and 'value="wuhe"' in page


def test_the_export_carries_the_answer_and_the_statistics_rates_are_numbers(
    client_for, wuhe_staff, world, category
):
    demand = submit(world.dgk, category)
    services.demand_resolve(by=None, demand=demand, reply="已更换灯泡")
    client = client_for(wuhe_staff)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(client.get("/demands/all.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Reply"] == "已更换灯泡" and record["Resolved at level"] == "Station"
    assert record["Resolved at"].startswith(str(timezone.localdate()))

    book = load_workbook(io.BytesIO(client.get("/demands/stats.xlsx?place=wuhe").content))
    summary = {r[0].value: r[1] for r in book.worksheets[0].iter_rows(min_row=2)}
    assert (
        summary["Local-resolution rate"].value == 1
        and summary["Local-resolution rate"].number_format == "0.0%"
    )


def test_assigned_to_me_narrows_the_worklist_and_its_counts(
    client_for, wuhe_staff, secretary, world, category
):
    mine = submit(world.dgk, category, description="派给我的")
    services.demand_dispatch(by=None, demand=mine, handler=wuhe_staff)
    other = submit(world.dgk, category, description="派给别人的")
    services.demand_dispatch(by=None, demand=other, handler=secretary)
    unassigned = submit(world.dgk, category, description="还没派单")
    client = client_for(wuhe_staff)

    response = client.get("/demands/", {"mine": "on"})

    page = response.content.decode()
    assert mine.number in page and other.number not in page and unassigned.number not in page
    assert response.context["all_count"] == 1
    export = client.get("/demands/worklist.csv", {"mine": "on"}).content.decode("utf-8-sig")
    assert mine.number in export and other.number not in export


def test_the_refusal_box_names_the_action_and_the_field(client_for, wuhe_staff, world, category):
    demand = submit(world.dgk, category)
    services.demand_dispatch(by=None, demand=demand)
    client = client_for(wuhe_staff)
    client.cookies["django_language"] = "en"
    response = client.post(f"/demands/{demand.pk}/transfer/", {"station": "", "reason": "不归我们"})
    box = response.content.decode().split('data-testid="action-errors">')[1].split("</div></div>")[0]
    assert "Transfer · Service point: This field is required." in box


def _label_of(page: str, field_id: str) -> str:
    match = re.search(rf'<label class="form-label" for="{field_id}">(.*?)</label>', page)
    assert match, f"no label for {field_id}"
    return match.group(1)


def test_the_texts_an_action_needs_are_marked_as_required(client_for, wuhe_staff, world, category):
    """Reasons and the reply are optional in the forms (the service words the refusal), but the person
    filling them in must see that they are needed, as on any required field; an escalation's reason is not."""
    demand = submit(world.dgk, category)
    services.demand_dispatch(by=None, demand=demand)
    page = client_for(wuhe_staff).get(f"/demands/{demand.pk}/").content.decode()
    for field_id in ("id_return_reason", "id_extend_reason", "id_resolve_reply"):
        assert 'class="text-danger" aria-hidden="true">*</span>' in _label_of(page, field_id), field_id
        assert re.search(rf'<textarea[^>]*aria-required="true"[^>]*id="{field_id}"', page), field_id
    assert "*" not in _label_of(page, "id_escalate_reason")
    assert "*" not in _label_of(page, "id_dispatch_note")
    # Still the service's message, not the browser's or Django's, when it is sent empty.
    response = client_for(wuhe_staff).post(f"/demands/{demand.pk}/return/", {"reason": ""})
    assert response.status_code == 400
    assert escape(gettext("Say why it is returned.")) in response.content.decode()


def test_statistics_give_the_satisfaction_of_each_place_on_the_page_and_in_the_export(
    client_for, wuhe_staff, world, category
):
    from gongzhi.demands.models import Rating

    ratings = {
        world.dgk: (Rating.SATISFIED, Rating.BASIC, Rating.SATISFIED),
        world.xincun: (Rating.SATISFIED,),
    }
    for place, given in ratings.items():
        for rating in given:
            demand = submit(place, category)
            services.demand_resolve(by=None, demand=demand, reply="已处理")
            services.demand_rate(by=None, demand=demand, rating=rating)
    # An unhappy resident at 大冈口: its demand reopens, and 3 of its 4 answers were satisfied or basic.
    unhappy = submit(world.dgk, category)
    services.demand_resolve(by=None, demand=unhappy, reply="已处理")
    services.demand_rate(by=None, demand=unhappy, rating=Rating.DISSATISFIED)

    client = client_for(wuhe_staff)
    client.cookies["django_language"] = "en"
    response = client.get("/demands/stats/?place=wuhe")
    rates = {r["place"].code: r["satisfaction_rate"] for r in response.context["by_place"]}
    assert rates == {"dgk": 0.75, "wuhe-xincun": 1.0, "jzy": None}  # None: nobody rated, shown as —
    table = response.content.decode().split('data-testid="by-place">')[1].split("</table>")[0]
    assert '<th scope="col">Satisfaction</th>' in table and "75.0%" in table

    book = load_workbook(io.BytesIO(client.get("/demands/stats.xlsx?place=wuhe").content))
    sheet = book["By place"]
    header = [c.value for c in sheet[1]]
    column = header.index("Satisfaction")
    by_name = {row[0].value: row[column] for row in sheet.iter_rows(min_row=2)}
    assert by_name[world.dgk.name].value == 0.75 and by_name[world.dgk.name].number_format == "0.0%"
    assert by_name[world.xincun.name].value == 1


def test_the_rows_by_place_add_up_to_the_totals(client_for, wuhe_staff, world, category):
    """A demand registered at the community itself, and one at a place closed since, have their rows: the
    table under the totals adds up to them, on the page and in the export."""
    from gongzhi.territory.services import place_close

    submit(world.dgk, category)
    submit(world.wuhe, category, description="社区多处路灯不亮")  # about the whole community
    submit(world.wuhe, category, description="社区公告栏破损")
    submit(world.estate, category, description="小区门禁坏了")
    place_close(by=None, place=world.estate, on=timezone.localdate())
    client = client_for(wuhe_staff)
    response = client.get("/demands/stats/?place=wuhe")
    rows = response.context["by_place"]
    assert sum(r["total"] for r in rows) == response.context["stats"]["total"] == 4
    assert {r["place"].code: r["total"] for r in rows if not r["own"]} == {
        "dgk": 1,
        "jzy": 1,
        "wuhe-xincun": 0,
    }
    assert rows[-1]["own"] and rows[-1]["total"] == 2
    table = response.content.decode().split('data-testid="by-place">')[1].split("</table>")[0]
    assert "五和社区（本级登记）" in table and 'href="?place=wuhe&' not in table
    assert "已关闭" in table  # 佳兆业花园 is listed, closed, for the demand it had

    book = load_workbook(io.BytesIO(client.get("/demands/stats.xlsx?place=wuhe").content))
    names = [row[0].value for row in book.worksheets[2].iter_rows(min_row=2)]
    assert "五和社区（本级登记）" in names and world.estate.name in names


def test_no_own_row_when_every_demand_is_below(client_for, wuhe_staff, world, category):
    submit(world.dgk, category)
    rows = client_for(wuhe_staff).get("/demands/stats/?place=wuhe").context["by_place"]
    assert not any(r["own"] for r in rows)
