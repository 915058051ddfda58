"""The member register: personal data protection, posts and the garden-estate secretary rule."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongzhi.core.models import AuditEvent
from gongzhi.members.models import Member, Post
from gongzhi.members.services import post_appoint
from tests.factories import make_id_number, make_member

SINCE = datetime.date(2019, 1, 1)


def test_database_holds_no_id_number_or_phone_in_clear(world):
    member = make_member(world.dgk_branch, name="曾拥军", phone="13800138000")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_index, phone_index FROM members_member WHERE id = %s", [member.pk]
        )
        row = cursor.fetchone()
    for column in row:
        assert member.id_number not in column and "13800138000" not in column


def test_exact_search_by_id_number_and_phone_finds_the_member(world):
    member = make_member(world.dgk_branch, phone="13900001111")
    make_member(world.dgk_branch)
    assert list(Member.objects.search(member.id_number)) == [member]
    assert list(Member.objects.search(member.id_number.lower())) == [member]
    assert list(Member.objects.search("139 0000 1111")) == [member]
    assert list(Member.objects.search("+86 139-0000-1111")) == [member]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("+86 138 0013 8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("(0755) 8888-1234", "075588881234"),
        ("+86 755 8888 1234", "075588881234"),
        ("+86 10 6552 9988", "01065529988"),
        ("010-6552-9988", "01065529988"),
    ],
)
def test_a_phone_is_stored_in_one_form_however_it_is_written(written, stored):
    from gongzhi.core.pii import validate_phone

    assert validate_phone(written) == stored


@pytest.mark.parametrize("written", ["111111111", "23456789012", "1３８００１３８０００", "+86", ""])
def test_what_is_not_a_phone_number_is_refused(written):
    from gongzhi.core.pii import validate_phone

    with pytest.raises(ValidationError):
        validate_phone(written)


def test_numbers_in_free_text_are_masked_however_grouped_but_not_dates():
    from gongzhi.core.pii import mask_numbers_in

    text = "从2026-10-13起，电话 138 0013 8000 或 13912345678，身份证 44030419900101123X，5栋502"
    masked = mask_numbers_in(text)
    assert masked == "从2026-10-13起，电话 138******8000 或 139****5678，身份证 440***********123X，5栋502"


def test_bad_check_digit_is_refused_and_nothing_saved(world):
    good = make_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        make_member(world.dgk_branch, id_number=bad)
    assert "校验位" in str(exc.value)  # the check digit, in the default language
    assert Member.objects.count() == 0


def test_pages_api_and_export_show_masks(client_for, wuhe_staff, world):
    member = make_member(world.dgk_branch, phone="13812345678")
    client = client_for(wuhe_staff)
    page = client.get(f"/members/{member.pk}/").content.decode()
    listing = client.get("/members/").content.decode()
    api = client.get(f"/api/v1/members/{member.pk}").json()
    api_list = client.get(f"/api/v1/members?organization={world.dgk_branch.pk}").json()
    export = client.get("/members/export.xlsx")
    for text in (page, listing, str(api), str(api_list)):
        assert member.id_number not in text and "13812345678" not in text
    assert member.id_number_masked in page and "138****5678" in listing
    assert api["id_number"] == member.id_number_masked and api["phone"] == "138****5678"
    assert api_list["count"] == 1
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert member.id_number not in values and member.id_number_masked in values


def test_a_reveal_shows_the_value_and_is_audited(client_for, secretary, world):
    member = make_member(world.dgk_branch)
    response = client_for(secretary).post(f"/members/{member.pk}/reveal/id_number/")
    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == secretary and event.target_id == str(member.pk)


def test_the_auditor_and_grid_worker_may_not_reveal(client_for, auditor, grid_worker, world):
    member = make_member(world.xincun_branch)
    assert client_for(auditor).post(f"/members/{member.pk}/reveal/phone/").status_code == 403
    assert client_for(grid_worker).post(f"/members/{member.pk}/reveal/phone/").status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_scoping_of_member_data(client_for, secretary, wuhe_staff, resident, outsider, world):
    own = make_member(world.dgk_branch)
    other_branch = make_member(world.estate_branch)
    plaza = make_member(world.plaza_branch)
    assert client_for(secretary).get(f"/members/{own.pk}/").status_code == 200
    assert client_for(secretary).get(f"/members/{other_branch.pk}/").status_code == 404
    assert client_for(wuhe_staff).get(f"/members/{other_branch.pk}/").status_code == 200
    assert client_for(wuhe_staff).get(f"/members/{plaza.pk}/").status_code == 404
    assert client_for(outsider).get(f"/api/v1/members/{own.pk}").status_code == 404
    assert client_for(resident).get("/members/").status_code == 403
    assert client_for(resident).get("/api/v1/members").json()["count"] == 0


def test_a_non_owner_cannot_be_secretary_of_a_garden_estate_branch(world):
    tenant = make_member(world.plaza_branch, home_place=world.plaza, is_owner=False)
    before = (Post.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        post_appoint(by=None, org=world.plaza_branch, member=tenant, title="secretary", since=SINCE)
    assert "城市广场" in str(exc.value) and "住房" in str(exc.value)
    assert (Post.objects.count(), AuditEvent.objects.count()) == before


def test_an_owner_living_elsewhere_cannot_either_but_an_owner_there_can(world):
    elsewhere = make_member(world.plaza_branch, home_place=world.estate, is_owner=True)
    with pytest.raises(ValidationError):
        post_appoint(by=None, org=world.plaza_branch, member=elsewhere, title="secretary", since=SINCE)
    owner = make_member(world.plaza_branch, home_place=world.plaza, is_owner=True)
    post = post_appoint(by=None, org=world.plaza_branch, member=owner, title="secretary", since=SINCE)
    assert post.until is None


def test_appointing_a_non_owner_through_the_page_is_refused(client_for, wuhe_staff, world):
    tenant = make_member(world.estate_branch, home_place=world.estate, is_owner=False)
    response = client_for(wuhe_staff).post(
        f"/members/orgs/{world.estate_branch.pk}/posts/",
        {"member": tenant.pk, "title": "secretary", "since": "2019-01-01"},
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_concurrent_posts_are_shown_together(client_for, wuhe_staff, world):
    from gongzhi.members.services import outside_post_add

    zeng = make_member(world.dgk_branch, name="曾拥军")
    post_appoint(by=None, org=world.dgk_branch, member=zeng, title="secretary", since=SINCE)
    post_appoint(by=None, org=world.wuhe_committee, member=zeng, title="deputy_secretary", since=SINCE)
    outside_post_add(
        by=None, member=zeng, title="company_chairman", organisation="大光勘股份合作公司", since=SINCE
    )
    page = client_for(wuhe_staff).get(f"/members/{zeng.pk}/").content.decode()
    assert "大光勘居民小组党支部" in page and "五和社区党委" in page and "大光勘股份合作公司" in page
    detail = client_for(wuhe_staff).get(f"/api/v1/members/{zeng.pk}").json()
    assert {p["title"] for p in detail["posts"]} == {"secretary", "deputy_secretary"}
    assert detail["outside_posts"][0]["title"] == "company_chairman"


def test_member_list_queries_do_not_grow_with_members(
    client_for, wuhe_staff, world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(wuhe_staff)
    counts = []
    for n in (3, 9):
        for _ in range(n):
            make_member(world.dgk_branch)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/members/").status_code == 200
            assert client.get("/api/v1/members").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_key_rotation_re_encrypts_under_the_new_key_and_search_still_works(world, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    member = make_member(world.dgk_branch, phone="13700001234")
    old_key = settings.PII_KEYS[0]
    settings.PII_KEYS = [Fernet.generate_key().decode(), old_key]
    settings.PII_INDEX_KEY = Fernet.generate_key().decode()
    call_command("rotate_pii_keys", stdout=io.StringIO())
    settings.PII_KEYS = settings.PII_KEYS[:1]  # the old key is gone: every row must read with the new one
    reloaded = Member.objects.get(pk=member.pk)
    assert reloaded.id_number == member.id_number and reloaded.phone == "13700001234"
    assert list(Member.objects.search(member.id_number)) == [reloaded]
