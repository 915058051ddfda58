from gongzhi.party.coverage import coverage_report


def test_world_is_fully_covered(world):
    report = coverage_report(world.bantian)
    assert report.total.areas == 4
    assert report.total.coverage_rate == 1.0
    assert report.blank_spots == []


def test_pages_render_for_wuhe_staff(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    for url in [
        "/",
        "/places/",
        "/places/wuhe/",
        "/places/wuhe/coverage/",
        "/party/orgs/",
        "/service-points/",
        "/audit/",
        f"/party/orgs/{world.dgk_branch.pk}/",
        "/places/?q=dgk",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_members_personal_data_is_encrypted_at_rest(world):
    from django.db import connection

    from tests.factories import make_member

    member = make_member(world.dgk_branch, name="曾拥军")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_member WHERE id = %s", [member.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert member.id_number not in raw_id and member.phone not in raw_phone
    assert member.id_number_masked.startswith("4403") and "*" in member.id_number_masked
