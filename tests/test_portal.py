"""The residents' phone portal (/m/): report a problem, follow it, rate the answer — own demands only."""

from __future__ import annotations

import datetime
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.demands import services
from gongzhi.demands.models import Category, Demand, DemandPhoto, Status
from gongzhi.notifications.models import Notification
from gongzhi.territory.models import ServicePoint
from tests.factories import make_place, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024


def png(padding: int = 0) -> bytes:
    """A valid 1×1 PNG, optionally followed by `padding` bytes to make it big."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00" * padding


def photo(name: str = "lamp.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png() if content is None else content, content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return Category.objects.create(code="streetlight", name="路灯", limit_days=5)


@pytest.fixture
def as_resident(client, resident):
    """The resident's client, reading the pages in English (the messages asserted below)."""
    client.force_login(resident)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(world, category, /, **changes) -> dict:
    data = {
        "category": category.pk,
        "place": world.plaza.pk,
        "description": "3栋门口的路灯坏了一个星期，晚上很黑。",
        "contact_name": "王阿姨",
        "contact_phone": "13800138000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post_report(client, data, ip: str = "10.1.2.3"):
    return client.post(reverse("portal:report"), data, REMOTE_ADDR=ip)


def counts() -> tuple[int, int]:
    return Demand.objects.count(), DemandPhoto.objects.count()


def submit(user, world, category, description="楼道灯不亮", at=None) -> Demand:
    return services.demand_submit(
        by=user,
        channel="portal",
        category=category,
        place=world.plaza,
        description=description,
        at=at,
    )


# --- access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:home", "portal:report", "portal:demands", "portal:me"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_home_greets_the_resident_and_lists_open_demands_with_their_state(
    as_resident, resident, world, category
):
    demand = submit(resident, world, category)
    response = as_resident.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hello, t-resident" in html
    assert reverse("portal:report") in html
    assert f'data-testid="demand-item-{demand.pk}"' in html
    assert 'data-status="submitted"' in html
    assert 'data-testid="notices"' in html


def test_staff_may_report_their_own_problems_too(client, outsider, world, category):
    client.force_login(outsider)
    assert client.get(reverse("portal:report")).status_code == 200
    response = post_report(client, form_data(world, category))
    assert response.status_code == 302
    assert Demand.objects.get().submitted_by == outsider


# --- reporting ----------------------------------------------------------------------------------------


def test_a_report_with_a_photo_is_saved_routed_and_confirmed(as_resident, resident, world, category):
    response = post_report(as_resident, form_data(world, category, photos=[photo()]), ip="10.9.8.7")

    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:report_done", args=[demand.pk])
    assert (demand.channel, demand.submitted_by, demand.submitted_ip) == ("portal", resident, "10.9.8.7")
    assert (demand.contact_name, demand.contact_phone) == ("王阿姨", "13800138000")
    # Routed to the station serving the estate and the branch covering it.
    assert demand.station == ServicePoint.objects.get(code="xjt-centre")
    assert demand.branch == world.plaza_branch
    stored = demand.photos.get()
    assert stored.content_type == "image/png"

    done = as_resident.get(response["Location"])
    assert done.status_code == 200
    assert demand.number in done.content.decode()
    assert "What happens next" in done.content.decode()

    page = as_resident.get(reverse("portal:demand", args=[demand.pk]))
    assert reverse("portal:photo", args=[stored.pk]) in page.content.decode()
    image = as_resident.get(reverse("portal:photo", args=[stored.pk]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png()


def test_a_building_of_the_residents_own_area_is_offered_and_accepted(as_resident, world, category):
    building = make_place("building", world.plaza, name="3栋", code="plaza-3")
    page = as_resident.get(reverse("portal:report")).content.decode()
    assert f'data-testid="place-{world.plaza.pk}"' in page
    assert f'data-testid="place-{building.pk}"' in page
    # Other areas are found by the search, not listed.
    assert f'data-testid="place-{world.estate.pk}"' not in page

    assert post_report(as_resident, form_data(world, category, place=building.pk)).status_code == 302
    demand = Demand.objects.get()
    assert (demand.place, demand.area) == (building, world.plaza)


def test_residential_areas_are_found_by_name_or_pinyin_initials(as_resident, world):
    by_name = as_resident.get(reverse("portal:place_search"), {"place_q": "佳兆业"}).content.decode()
    by_initials = as_resident.get(reverse("portal:place_search"), {"place_q": "jzy"}).content.decode()
    for html in (by_name, by_initials):
        assert f'value="{world.estate.pk}"' in html
        assert f'value="{world.plaza.pk}"' not in html
    # Communities are not residential areas.
    assert (
        "五和社区"
        not in as_resident.get(reverse("portal:place_search"), {"place_q": "五和社区"}).content.decode()
    )


def test_contact_is_filled_in_from_the_previous_demand(as_resident, world, category):
    post_report(as_resident, form_data(world, category, contact_name="李先生", contact_phone="13912345678"))
    html = as_resident.get(reverse("portal:report")).content.decode()
    assert 'value="李先生"' in html
    assert 'value="13912345678"' in html


def test_similar_open_demands_are_offered_before_sending(as_resident, resident, world, category):
    neighbour = make_user("t-neighbour", Role.RESIDENT, world.plaza)
    theirs = submit(neighbour, world, category, description="3栋门口的路灯坏了，晚上很黑")
    mine = submit(resident, world, category, description="3栋门口路灯坏了很久了")
    params = {"category": category.pk, "place": world.plaza.pk, "description": "3栋门口的路灯坏了"}

    html = as_resident.get(reverse("portal:similar"), params).content.decode()

    assert theirs.number in html and mine.number in html
    assert f'href="{reverse("portal:demand", args=[mine.pk])}"' in html
    # Someone else's demand: a summary page reached only through the link the portal handed out.
    link = html.split(f'data-testid="same-{theirs.pk}"')[0].rsplit('href="', 1)[1].split('"')[0]
    link = link.replace("&amp;", "&")
    assert link.startswith(reverse("portal:same", args=[theirs.pk]))
    summary = as_resident.get(link)
    assert summary.status_code == 200
    assert 'data-status="submitted"' in summary.content.decode()
    assert as_resident.get(reverse("portal:same", args=[theirs.pk])).status_code == 404
    missing = as_resident.get(reverse("portal:demand", args=[theirs.pk]))
    assert missing.status_code == 404
    # In the portal's own layout, pointing back to the resident's demands, not to a staff workbench.
    assert 'data-testid="portal-not-found"' in missing.content.decode()
    assert reverse("portal:demands") in missing.content.decode()
    # The link is for this resident only.
    as_resident.force_login(make_user("t-other", Role.RESIDENT, world.plaza))
    assert as_resident.get(link).status_code == 404


def test_nothing_similar_for_another_category(as_resident, resident, world, category):
    other = Category.objects.create(code="noise", name="噪音")
    submit(resident, world, category, description="3栋门口的路灯坏了")
    params = {"category": other.pk, "place": world.plaza.pk, "description": "3栋门口的路灯坏了"}
    assert 'data-testid="similar"' not in as_resident.get(reverse("portal:similar"), params).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"photos": [photo(f"p{i}.png") for i in range(7)]}, "At most 6 photos."),
        (
            {"photos": [photo("notes.png", b"just some text, not an image")]},
            "is not a JPEG, PNG or WebP image",
        ),
        ({"photos": [photo("huge.png", png(padding=10 * MB + 1))]}, "is larger than 10 MB"),
        ({"description": "路" * 4001}, "The description is longer than 4000 characters."),
        ({"description": "   "}, "Describe the problem."),
        ({"category": None}, "Choose what kind of problem it is."),
        ({"place": None}, "Choose where the problem is."),
        ({"contact_phone": "12345"}, "Enter an 11-digit mobile number or a landline with its area code."),
    ],
    ids=[
        "7-photos",
        "not-an-image",
        "over-10-mb",
        "4001-chars",
        "blank",
        "no-category",
        "no-place",
        "bad-phone",
    ],
)
def test_bad_input_comes_back_with_a_message_and_nothing_saved(
    as_resident, world, category, changes, message
):
    before = counts()
    data = form_data(world, category, contact_name="赵 <先生>", **changes)

    response = post_report(as_resident, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert counts() == before
    # Everything typed is still there.
    assert "赵 &lt;先生&gt;" in html
    if "description" not in changes:
        assert "3栋门口的路灯坏了一个星期，晚上很黑。" in html
    if "category" not in changes:
        assert f'value="{category.pk}" autocomplete="off" required checked' in html


def test_a_description_of_exactly_4000_characters_with_line_breaks_is_accepted(as_resident, world, category):
    text = ("路灯" * 999 + "\r\n") * 1  # 1,998 characters and a browser line break
    text = text + "灯" * (4000 - len(text.replace("\r\n", "\n")))
    response = post_report(as_resident, form_data(world, category, description=text))
    assert response.status_code == 302
    assert len(Demand.objects.get().description) == 4000


def test_html_in_the_description_is_stored_as_typed_and_shown_escaped(as_resident, world, category):
    typed = '<script>alert("x")</script><b>路灯</b> & 井盖'
    post_report(as_resident, form_data(world, category, description=typed))
    demand = Demand.objects.get()
    assert demand.description == typed

    for url in (
        reverse("portal:demand", args=[demand.pk]),
        reverse("portal:demands"),
        reverse("portal:home"),
    ):
        html = as_resident.get(url).content.decode()
        assert "&lt;script&gt;" in html
        assert '<script>alert("x")' not in html
        assert "<b>路灯</b>" not in html


# --- rate limit ---------------------------------------------------------------------------------------


def test_a_sixth_report_from_one_person_within_an_hour_is_refused(as_resident, world, category):
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False) as clock:
        for n in range(5):
            assert post_report(as_resident, form_data(world, category), ip=f"10.0.0.{n}").status_code == 302
            clock.shift(datetime.timedelta(minutes=5))

        refused = post_report(as_resident, form_data(world, category), ip="10.0.0.99")
        assert refused.status_code == 400
        assert "You have sent 5 demands in the last hour." in refused.content.decode()
        assert "3栋门口的路灯坏了一个星期，晚上很黑。" in refused.content.decode()
        assert Demand.objects.count() == 5

        clock.shift(datetime.timedelta(minutes=41))  # the first one is now more than an hour old
        assert post_report(as_resident, form_data(world, category), ip="10.0.0.99").status_code == 302


def test_a_sixth_report_from_one_network_address_within_an_hour_is_refused(client, world, category):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    residents = [make_user(f"t-r{n}", Role.RESIDENT, world.plaza) for n in range(6)]
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        for user in residents[:5]:
            client.force_login(user)
            assert post_report(client, form_data(world, category), ip="203.0.113.7").status_code == 302

        client.force_login(residents[5])
        refused = post_report(client, form_data(world, category), ip="203.0.113.7")
        assert refused.status_code == 400
        assert "Too many demands were sent from this network in the last hour." in refused.content.decode()
        assert Demand.objects.count() == 5
        # The same person from another network is fine.
        assert post_report(client, form_data(world, category), ip="198.51.100.1").status_code == 302


def test_behind_our_proxy_each_resident_counts_by_their_own_address(client, world, category, settings):
    """nginx gives every request the same REMOTE_ADDR: the limit per address reads the address it saw."""
    settings.TRUSTED_PROXIES = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    residents = [make_user(f"t-p{n}", Role.RESIDENT, world.plaza) for n in range(7)]

    def through_proxy(user, address: str, spoofed: str = ""):
        client.force_login(user)
        forwarded = f"{spoofed}, {address}" if spoofed else address
        return client.post(
            reverse("portal:report"),
            form_data(world, category),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        # Five residents behind one home router, each faking another address in front of it.
        for n, user in enumerate(residents[:5]):
            assert through_proxy(user, "203.0.113.7", spoofed=f"192.0.2.{n}").status_code == 302
        refused = through_proxy(residents[5], "203.0.113.7", spoofed="192.0.2.99")
        assert refused.status_code == 400
        assert "Too many demands were sent from this network in the last hour." in refused.content.decode()
        # A resident elsewhere, through the same proxy, is not held back by them.
        assert through_proxy(residents[6], "198.51.100.1").status_code == 302
    assert set(Demand.objects.values_list("submitted_ip", flat=True)) == {"203.0.113.7", "198.51.100.1"}


# --- following and rating -----------------------------------------------------------------------------


def test_another_residents_demand_does_not_exist_for_you(as_resident, world, category):
    neighbour = make_user("t-neighbour", Role.RESIDENT, world.plaza)
    theirs = services.demand_submit(
        by=neighbour,
        channel="portal",
        category=category,
        place=world.plaza,
        description="邻居的诉求",
        photos=[photo()],
    )
    photo_pk = theirs.photos.get().pk

    assert as_resident.get(reverse("portal:demand", args=[theirs.pk])).status_code == 404
    assert as_resident.get(reverse("portal:report_done", args=[theirs.pk])).status_code == 404
    assert as_resident.get(reverse("portal:photo", args=[photo_pk])).status_code == 404
    assert (
        as_resident.post(reverse("portal:rate", args=[theirs.pk]), {"rating": "satisfied"}).status_code == 404
    )
    assert "邻居的诉求" not in as_resident.get(reverse("portal:demands")).content.decode()


def test_dissatisfied_reopens_and_satisfied_closes(as_resident, resident, outsider, world, category):
    demand = submit(resident, world, category)
    url = reverse("portal:demand", args=[demand.pk])
    assert 'data-testid="rate-form"' not in as_resident.get(url).content.decode()
    # Rating before it is resolved is refused.
    early = as_resident.post(reverse("portal:rate", args=[demand.pk]), {"rating": "satisfied"}, follow=True)
    assert early.redirect_chain == [(url, 302)]
    assert 'data-testid="portal-message"' in early.content.decode()
    assert Demand.objects.get(pk=demand.pk).rating == ""

    services.demand_accept(by=outsider, demand=demand)
    services.demand_dispatch(by=outsider, demand=demand)
    services.demand_resolve(by=outsider, demand=demand, reply="已更换灯泡。")
    page = as_resident.get(url).content.decode()
    assert 'data-testid="rate-form"' in page and "已更换灯泡。" in page

    missing = as_resident.post(reverse("portal:rate", args=[demand.pk]), {"comment": "?"})
    assert missing.status_code == 400
    assert "Choose satisfied, basically satisfied or dissatisfied." in missing.content.decode()

    response = as_resident.post(
        reverse("portal:rate", args=[demand.pk]), {"rating": "dissatisfied", "comment": "还是不亮"}
    )
    assert response.status_code == 302 and response["Location"] == url
    demand.refresh_from_db()
    assert (demand.status, demand.rating, demand.rating_comment) == (
        Status.REOPENED,
        "dissatisfied",
        "还是不亮",
    )
    assert 'data-status="reopened"' in as_resident.get(url).content.decode()

    services.demand_dispatch(by=outsider, demand=demand)
    services.demand_resolve(by=outsider, demand=demand, reply="已更换线路。")
    as_resident.post(reverse("portal:rate", args=[demand.pk]), {"rating": "satisfied"})
    demand.refresh_from_db()
    assert (demand.status, demand.rating) == (Status.CLOSED, "satisfied")
    page = as_resident.get(url).content.decode()
    assert 'data-status="closed"' in page
    assert 'data-testid="rate-form"' not in page


def test_the_timeline_speaks_plainly_and_keeps_staff_notes_out(
    as_resident, resident, outsider, world, category
):
    demand = submit(resident, world, category)
    services.demand_accept(by=outsider, demand=demand)
    services.demand_dispatch(by=outsider, demand=demand, note="内部备注：找物业")
    html = as_resident.get(reverse("portal:demand", args=[demand.pk])).content.decode()
    assert "You sent the report." in html
    assert "The community accepted it." in html
    assert "It was passed to the people who will handle it." in html
    assert "内部备注" not in html


def test_my_demands_costs_the_same_number_of_queries_at_n_and_3n(as_resident, resident, world, category):
    now = timezone.now()

    def add(n: int) -> None:
        for i in range(n):
            submit(resident, world, category, description=f"诉求{i}", at=now - datetime.timedelta(minutes=i))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = as_resident.get(reverse("portal:demands"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(3)
    at_n = queries()
    add(6)
    assert Demand.objects.filter(submitted_by=resident).count() == 9
    assert queries() == at_n


def test_me_page_offers_sign_out_and_language(as_resident):
    html = as_resident.get(reverse("portal:me")).content.decode()
    assert reverse("accounts:logout") in html
    assert reverse("set_language") in html
    assert 'data-testid="me-name"' in html


def test_the_forms_problems_are_reported_together(as_resident, world, category):
    response = post_report(as_resident, form_data(world, category, place=None, contact_phone="123"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose where the problem is." in html
    assert "Enter an 11-digit mobile number or a landline with its area code." in html


def test_a_place_found_by_the_search_stays_chosen_when_the_form_comes_back(as_resident, world, category):
    response = post_report(as_resident, form_data(world, category, place=world.estate.pk, description=""))
    assert response.status_code == 400
    assert f'value="{world.estate.pk}" checked' in response.content.decode()


# --- what one resident may read of another's, and what a refusal says -----------------------------------


def test_a_neighbours_numbers_are_masked_in_the_suggestions(as_resident, world, category):
    neighbour = make_user("t-neighbour", Role.RESIDENT, world.plaza)
    theirs = submit(
        neighbour, world, category, description="3栋门口的路灯坏了，联系我13912345678 或 138 0013 8000"
    )
    params = {"category": category.pk, "place": world.plaza.pk, "description": "3栋门口的路灯坏了"}

    html = as_resident.get(reverse("portal:similar"), params).content.decode()

    assert theirs.number in html
    assert "13912345678" not in html and "139****5678" in html
    assert "138 0013 8000" not in html and "138******8000" in html
    link = html.split(f'data-testid="same-{theirs.pk}"')[0].rsplit('href="', 1)[1].split('"')[0]
    summary = as_resident.get(link.replace("&amp;", "&")).content.decode()
    assert "13912345678" not in summary and "139****5678" in summary


def test_suggestions_stay_within_a_place_where_one_can_report(as_resident, world, category):
    neighbour = make_user("t-neighbour", Role.RESIDENT, world.plaza)
    theirs = submit(neighbour, world, category, description="3栋门口的路灯坏了")
    wide = {"category": category.pk, "place": world.bantian.pk, "description": "3栋门口的路灯坏了"}
    assert theirs.number not in as_resident.get(reverse("portal:similar"), wide).content.decode()


def test_rating_twice_says_why_the_second_is_refused(as_resident, resident, admin_user, world, category):
    demand = submit(resident, world, category)
    services.demand_accept(by=admin_user, demand=demand)
    services.demand_resolve(by=admin_user, demand=demand, reply="已修好")
    url = reverse("portal:rate", args=[demand.pk])
    as_resident.post(url, {"rating": "satisfied", "comment": ""})

    response = as_resident.post(url, {"rating": "dissatisfied", "comment": "其实没修好"}, follow=True)

    assert response.redirect_chain == [(reverse("portal:demand", args=[demand.pk]), 302)]
    shown = [
        m.split("</div>")[0] for m in response.content.decode().split('data-testid="portal-message">')[1:]
    ]
    # The service's reason: the demand is no longer waiting for a rating.
    assert any("cannot be rated" in m for m in shown), shown
    demand.refresh_from_db()
    assert demand.rating == "satisfied" and demand.rating_comment == ""


def test_a_too_long_name_is_refused_naming_the_field(as_resident, world, category):
    response = post_report(as_resident, form_data(world, category, contact_name="王" * 51))
    assert response.status_code == 400
    assert "Your name can be at most 50 characters." in response.content.decode()
    assert Demand.objects.count() == 0


def test_each_language_is_offered_in_its_own_name(client, resident):
    client.force_login(resident)
    page = client.get(reverse("portal:me")).content.decode()
    assert ">English</option>" in page and ">简体中文</option>" in page


def test_a_merged_report_shows_the_answer_of_the_one_it_joined(
    as_resident, resident, admin_user, world, category
):
    neighbour = make_user("t-neighbour", Role.RESIDENT, world.plaza)
    first = submit(neighbour, world, category, description="3栋门口的路灯坏了")
    mine = submit(resident, world, category, description="3栋路灯不亮")
    services.demand_merge(by=admin_user, demand=mine, into=first)
    url = reverse("portal:demand", args=[mine.pk])
    assert f"Handled together with {first.number}" in as_resident.get(url).content.decode()

    services.demand_accept(by=admin_user, demand=first)
    services.demand_resolve(by=admin_user, demand=first, reply="已更换灯泡")

    page = as_resident.get(url).content.decode()
    assert 'data-testid="merged-reply">已更换灯泡<' in page
    assert 'data-testid="rate-form"' not in page  # the one who reported it first rates the answer
    told = Notification.objects.filter(recipient=resident).values_list("subject", flat=True)
    assert any(first.number in subject and mine.number in subject for subject in told), list(told)
