from gongzhi.party.coverage import coverage_report


def test_world_is_fully_covered(world):
    report = coverage_report(world.bantian)
    assert report.total.areas == 4
    assert report.total.coverage_rate == 1.0
    assert report.blank_spots == []


def test_pages_render_for_wuhe_staff(client_for, wuhe_staff, world):
    client = client_for(wuhe_staff)
    for url in ["/", "/places/", "/places/wuhe/", "/places/wuhe/coverage/", "/party/orgs/", "/service-points/", "/audit/",
                f"/party/orgs/{world.dgk_branch.pk}/", "/places/?q=dgk"]:
        response = client.get(url)
        assert response.status_code == 200, url
