"""Import and export of the territory workbook: round trip, every refusal, permissions, the queued path."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from gongzhi.accounts.models import Assignment, User
from gongzhi.core.exports import XLSX
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.imports import runner
from gongzhi.imports.layout import INSTRUCTIONS, ORGS, PLACES, POINTS, SHEETS
from gongzhi.imports.models import ImportJob
from gongzhi.party.models import OrgChange, OrgCoverage, OrgKind, PartyOrg
from gongzhi.territory.models import Place, PlaceKind, ServiceArea, ServicePoint, ServicePointKind
from tests.factories import make_user

IMPORT = reverse("territory:import")


# Helpers -----------------------------------------------------------------------------------------


def workbook(places=(), points=(), orgs=(), *, sheets=SHEETS, headers=None) -> bytes:
    """An .xlsx in the import layout (headers in the active language) holding the given rows."""
    rows = {"places": places, "points": points, "orgs": orgs}
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(str(sheet))
        ws.append((headers or {}).get(sheet.key, sheet.headers()))
        for row in rows[sheet.key]:
            ws.append(list(row))
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def post(client, content: bytes, name: str = "territory.xlsx", **extra):
    upload = SimpleUploadedFile(name, content, content_type=XLSX)
    return client.post(IMPORT, {"file": upload}, **extra)


def counts() -> tuple[int, int, int, int]:
    return (
        Place.objects.count(),
        ServicePoint.objects.count(),
        PartyOrg.objects.count(),
        AuditEvent.objects.count(),
    )


def problems(job: ImportJob) -> set[tuple[str, int | None, str]]:
    return {(e["sheet"], e["row"], e["column"]) for e in job.errors}


def refused(client, content: bytes) -> tuple[ImportJob, str]:
    """Upload a file that must be refused whole: nothing written, the problems listed on the page."""
    before = counts()
    response = post(client, content, follow=True)
    assert response.status_code == 200
    assert counts() == before
    job = ImportJob.objects.latest("id")
    assert job.status == "failed"
    assert job.errors
    html = response.content.decode()
    for error in job.errors:
        assert error["message"] in html
    return job, html


def state() -> dict[str, set]:
    """The tree, by codes only (primary keys differ after a round trip)."""
    today = timezone.localdate()
    places = {
        (p.code, p.name, p.kind, p.parent.code if p.parent else "")
        for p in Place.objects.select_related("parent")
    }
    points = {
        (p.code, p.name, p.kind, p.place.code, tuple(sorted(p.areas.values_list("area__code", flat=True))))
        for p in ServicePoint.objects.select_related("place")
    }
    orgs = {
        (
            o.code,
            o.name,
            o.kind,
            o.place.code,
            o.parent.code if o.parent else "",
            tuple(sorted(o.coverage.active_on(today).values_list("area__code", flat=True))),
        )
        for o in PartyOrg.objects.select_related("place", "parent")
    }
    return {"places": places, "points": points, "orgs": orgs}


def wipe_territory() -> None:
    """Delete every place, point and organisation, children first (the foreign keys protect parents)."""
    OrgChange.objects.all().delete()
    OrgCoverage.objects.all().delete()
    while PartyOrg.objects.exists():
        PartyOrg.objects.filter(children__isnull=True).delete()
    ServiceArea.objects.all().delete()
    ServicePoint.objects.all().delete()
    Assignment.objects.all().delete()
    for depth in sorted(set(Place.objects.values_list("depth", flat=True)), reverse=True):
        Place.objects.filter(depth=depth).delete()


@pytest.fixture
def admin(client_for, admin_user):
    return client_for(admin_user)


# Round trip --------------------------------------------------------------------------------------


def test_export_then_import_into_empty_database_rebuilds_the_tree(world, admin_user, client_for):
    response = client_for(admin_user).get(reverse("territory:export_all"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    exported = response.content
    before = state()
    assert len(before["places"]) == 7 and len(before["points"]) == 2 and len(before["orgs"]) == 7

    wipe_territory()
    assert Place.objects.count() == 0
    root = make_user("t-root")
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    root.refresh_from_db()
    client = client_for(root)
    response = post(client, exported, follow=True)

    job = ImportJob.objects.get(user=root)
    assert job.status == "done", job.errors
    assert job.created == {"places": 7, "service_points": 2, "organisations": 7}
    assert state() == before
    assert response.status_code == 200
    # Everything was written by the services on the importer's behalf, and the import itself is audited.
    assert AuditEvent.objects.filter(actor=root, action="create", target_type="territory.place").count() == 7
    event = AuditEvent.objects.get(action="import", target_type="imports.importjob")
    assert event.actor == root and event.target_id == str(job.pk)
    assert event.changes["places"] == [None, 7]


def test_export_is_scoped_ordered_and_in_the_import_layout(world, wuhe_staff, client_for):
    response = client_for(wuhe_staff).get(reverse("territory:export_all"))
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [str(PLACES), str(POINTS), str(ORGS), str(INSTRUCTIONS)]
    places = list(wb[str(PLACES)].iter_rows(values_only=True))
    assert list(places[0]) == PLACES.headers()
    codes = [row[0] for row in places[1:]]
    assert codes[0] == "wuhe"  # the top of the user's scope first, parents before children
    assert set(codes) == {"wuhe", "dgk", "wuhe-xincun", "jzy"}
    points = list(wb[str(POINTS)].iter_rows(values_only=True))
    assert [row[0] for row in points[1:]] == ["wuhe-centre"]
    orgs = list(wb[str(ORGS)].iter_rows(values_only=True))[1:]
    assert next(row[3] for row in orgs) == "wuhe"  # the community committee comes before its branches
    assert {row[5] for row in orgs[1:]} == {"dgk", "wuhe-xincun", "jzy"}
    assert all(isinstance(row[6], datetime.datetime) for row in orgs)  # real date cells


def test_template_has_headers_only_and_the_instructions(world, auditor, client_for):
    response = client_for(auditor).get(reverse("territory:import_template"))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [str(PLACES), str(POINTS), str(ORGS), str(INSTRUCTIONS)]
    for sheet in SHEETS:
        rows = list(wb[str(sheet)].iter_rows(values_only=True))
        assert rows == [tuple(sheet.headers())]
    listed = {row[1] for row in wb[str(INSTRUCTIONS)].iter_rows(values_only=True)}
    assert set(PlaceKind.values) | set(ServicePointKind.values) | set(OrgKind.values) <= listed


# A good import -----------------------------------------------------------------------------------


def test_import_accepts_labels_dates_and_separators(world, admin, admin_user):
    with translation.override("zh-hans"):
        chinese_label = str(PlaceKind.GARDEN_ESTATE.label)
    places = [
        ["new-rc", "新居委会", "residents_committee", "wuhe", "坂田五和路", ""],
        [None, None, None, None, None, None],  # empty rows are skipped
        ["new-a", "新花园", chinese_label, "new-rc", "", "注"],
        ["new-b", "新小区", "Garden estate", "new-rc", "", ""],
    ]
    points = [["new-station", "新站", "station", "new-rc", "new-a、new-b", "", "9:00-18:00"]]
    orgs = [
        [
            "new-branch",
            "新支部",
            "branch",
            "new-a",
            world.wuhe_committee.code,
            "new-a, new-b",
            datetime.date(2024, 3, 1),
        ],
        ["new-group", "新党小组", "group", "new-b", "new-branch", "new-b", "2024-04-01"],
    ]
    response = post(admin, workbook(places, points, orgs), follow=True)
    job = ImportJob.objects.get()
    assert job.status == "done", job.errors
    assert job.created == {"places": 3, "service_points": 1, "organisations": 2}
    assert Place.objects.get(code="new-a").kind == "garden_estate"
    assert Place.objects.get(code="new-b").parent.code == "new-rc"
    point = ServicePoint.objects.get(code="new-station")
    assert sorted(point.areas.values_list("area__code", flat=True)) == ["new-a", "new-b"]
    branch = PartyOrg.objects.get(code="new-branch")
    assert branch.established_on == datetime.date(2024, 3, 1)
    assert branch.parent == world.wuhe_committee
    assert PartyOrg.objects.get(code="new-group").established_on == datetime.date(2024, 4, 1)
    assert AuditEvent.objects.filter(actor=admin_user, action="import").count() == 1
    assert 'hx-trigger="every 1s"' not in response.content.decode()  # finished: no more polling


def test_headers_in_another_language_are_read(world, admin):
    with translation.override("en"):
        content = workbook([["en-estate", "英文表头", "garden_estate", "wuhe", "", ""]])
    post(admin, content)
    assert ImportJob.objects.get().status == "done"
    assert Place.objects.filter(code="en-estate").exists()


# Refusals: nothing is written, each problem is listed with its sheet, row and column -------------

PLACE_CASES = {
    "unknown parent": ([["a-1", "甲", "garden_estate", "nowhere", "", ""]], 2, "parent", "nowhere"),
    "parent below": (
        [
            ["a-1", "甲", "garden_estate", "rc-1", "", ""],
            ["rc-1", "乙", "residents_committee", "wuhe", "", ""],
        ],
        2,
        "parent",
        "rc-1",
    ),
    "duplicate in file": (
        [["a-1", "甲", "garden_estate", "wuhe", "", ""], ["a-1", "乙", "garden_estate", "wuhe", "", ""]],
        3,
        "code",
        "a-1",
    ),
    "duplicate in database": ([["jzy", "甲", "garden_estate", "wuhe", "", ""]], 2, "code", "jzy"),
    "invalid code": ([["Bad Code", "甲", "garden_estate", "wuhe", "", ""]], 2, "code", "Bad Code"),
    "wrong kind": ([["a-1", "甲", "castle", "wuhe", "", ""]], 2, "kind", "castle"),
    "empty name": ([["a-1", "  ", "garden_estate", "wuhe", "", ""]], 2, "name", ""),
    "parent kind not allowed": ([["c-1", "甲", "community", "wuhe", "", ""]], 2, "parent", ""),
    "root needs a superuser": ([["s-1", "甲", "subdistrict", "", "", ""]], 2, "parent", ""),
}


@pytest.mark.parametrize("case", PLACE_CASES, ids=list(PLACE_CASES))
def test_bad_place_rows_are_refused(world, admin, case):
    rows, row, column, mention = PLACE_CASES[case]
    job, _html = refused(admin, workbook(rows))
    assert (str(PLACES), row, str(PLACES.column(column))) in problems(job)
    assert any(mention in e["message"] for e in job.errors)


def test_every_bad_row_is_listed_and_empty_rows_keep_their_numbers(world, admin):
    rows = [
        ["a-1", "", "garden_estate", "wuhe", "", ""],
        [None] * 6,
        ["a-2", "乙", "castle", "wuhe", "", ""],
    ]
    job, _html = refused(admin, workbook(rows))
    assert problems(job) == {
        (str(PLACES), 2, str(PLACES.column("name"))),
        (str(PLACES), 4, str(PLACES.column("kind"))),
    }


POINT_CASES = {
    "unknown place": (["p-1", "站", "station", "nowhere", "", "", ""], "place", "nowhere"),
    "area not residential": (["p-1", "站", "station", "wuhe", "wuhe", "", ""], "areas", "wuhe"),
    "unknown area": (["p-1", "站", "station", "wuhe", "jzy ghost", "", ""], "areas", "ghost"),
    "area of another community": (
        ["p-1", "站", "station", "wuhe", "city-plaza", "", ""],
        "areas",
        "city-plaza",
    ),
    "area already served": (["p-1", "站", "station", "wuhe", "jzy", "", ""], "areas", "wuhe-centre"),
    "wrong kind": (["p-1", "站", "kiosk", "wuhe", "", "", ""], "kind", "kiosk"),
    "duplicate in database": (["wuhe-centre", "站", "station", "wuhe", "", "", ""], "code", "wuhe-centre"),
}


@pytest.mark.parametrize("case", POINT_CASES, ids=list(POINT_CASES))
def test_bad_service_point_rows_are_refused(world, admin, case):
    row, column, mention = POINT_CASES[case]
    job, _html = refused(admin, workbook(points=[row]))
    assert (str(POINTS), 2, str(POINTS.column(column))) in problems(job)
    assert any(mention in e["message"] for e in job.errors)


ORG_CASES = {
    "bad date": (
        ["o-1", "支部", "branch", "jzy", "PARENT", "jzy", "2018-13-45"],
        "established_on",
        "2018-13-45",
    ),
    "unknown parent": (["o-1", "支部", "branch", "jzy", "ghost-org", "jzy", ""], "parent", "ghost-org"),
    "parent kind not allowed": (["o-1", "小组", "group", "jzy", "PARENT", "", ""], "parent", ""),
    "needs a parent": (["o-1", "支部", "branch", "jzy", "", "", ""], "parent", ""),
    "area not residential": (["o-1", "支部", "branch", "jzy", "PARENT", "wuhe", ""], "areas", "wuhe"),
    "unknown place": (["o-1", "支部", "branch", "ghost", "PARENT", "", ""], "place", "ghost"),
}


@pytest.mark.parametrize("case", ORG_CASES, ids=list(ORG_CASES))
def test_bad_organisation_rows_are_refused(world, admin, case):
    row, column, mention = ORG_CASES[case]
    row = [world.wuhe_committee.code if v == "PARENT" else v for v in row]
    job, _html = refused(admin, workbook(orgs=[row]))
    assert (str(ORGS), 2, str(ORGS.column(column))) in problems(job)
    assert any(mention in e["message"] for e in job.errors)


def test_places_outside_the_importers_area_are_refused(world, client_for):
    wuhe_admin = make_user("t-wuhe-admin", Role.SUBDISTRICT_ADMIN, world.wuhe)
    client = client_for(wuhe_admin)
    places = [
        ["ok-estate", "甲", "garden_estate", "wuhe", "", ""],
        ["far", "乙", "garden_estate", "xiangjiaotang", "", ""],
    ]
    points = [["far-station", "站", "station", "city-plaza", "", "", ""]]
    job, _html = refused(client, workbook(places, points))
    assert problems(job) == {
        (str(PLACES), 3, str(PLACES.column("parent"))),
        (str(POINTS), 2, str(POINTS.column("place"))),
    }
    assert all("xiangjiaotang" in e["message"] or "city-plaza" in e["message"] for e in job.errors)


def test_missing_sheet_and_wrong_headers_are_refused(world, admin):
    headers = {"places": [*PLACES.headers()[:-1], "Remarks"]}
    job, _html = refused(
        admin, workbook([["a-1", "甲", "garden_estate", "wuhe", "", ""]], sheets=SHEETS[:2], headers=headers)
    )
    assert (str(PLACES), 1, "Remarks") in problems(job)
    assert (str(PLACES), 1, str(PLACES.column("note"))) in problems(job)
    assert (str(ORGS), None, "") in problems(job)
    assert len(job.errors) == 3  # the rows are not checked against headers that cannot be trusted


def test_a_service_refusing_a_row_rolls_everything_back(world, admin, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"areas": "The service said no."})

    monkeypatch.setattr(runner, "service_point_create", refuse)
    places = [["a-1", "甲", "garden_estate", "wuhe", "", ""]]
    points = [["", "", "", "", "", "", ""], ["p-1", "站", "station", "wuhe", "a-1", "", ""]]
    job, html = refused(admin, workbook(places, points))
    assert job.errors == [
        {
            "sheet": str(POINTS),
            "row": 3,
            "column": str(POINTS.column("areas")),
            "message": "The service said no.",
        }
    ]
    assert not Place.objects.filter(code="a-1").exists()
    assert "The service said no." in html


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("places.csv", b"code,name,kind\nx,y,garden_estate\n"),
        ("renamed.xlsx", bytes(range(256)) * 8),
        ("empty.xlsx", b""),
    ],
    ids=["csv", "random-bytes", "empty"],
)
def test_a_file_that_is_not_a_workbook_gets_one_clear_message(world, admin, name, content):
    before = counts()
    response = post(admin, content, name=name)
    assert response.status_code == 400
    assert counts() == before
    assert not ImportJob.objects.exists()
    assert response.content.decode().count(runner.not_a_workbook().message) == 1


def test_a_file_over_the_size_limit_is_refused(world, admin, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = post(admin, workbook([["a-1", "甲", "garden_estate", "wuhe", "", ""]]))
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    assert not Place.objects.filter(code="a-1").exists()


# Permissions and pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["wuhe_staff", "auditor"])
def test_only_managers_may_import(world, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    before = counts()
    assert client.get(IMPORT).status_code == 403
    assert post(client, workbook([["a-1", "甲", "garden_estate", "wuhe", "", ""]])).status_code == 403
    assert counts() == before
    assert not ImportJob.objects.exists()


def test_export_and_template_need_view_somewhere(world, resident, client_for):
    client = client_for(resident)
    assert client.get(reverse("territory:export_all")).status_code == 403
    assert client.get(reverse("territory:import_template")).status_code == 403


def test_import_page_lists_links_and_recent_imports(world, admin, admin_user, django_assert_max_num_queries):
    response = admin.get(IMPORT)
    html = response.content.decode()
    assert reverse("territory:import_template") in html and reverse("territory:export_all") in html
    assert 'enctype="multipart/form-data"' in html
    assert "bi-inbox" in html  # the empty state
    for n in range(3):
        ImportJob.objects.create(user=admin_user, filename=f"f{n}.xlsx", status="done", created={"places": n})
    with django_assert_max_num_queries(8):
        response = admin.get(IMPORT)
    assert response.status_code == 200
    assert "f2.xlsx" in response.content.decode() and "bi-inbox" not in response.content.decode()


def test_status_page_is_only_for_the_uploader(world, admin_user, wuhe_staff, client_for):
    job = ImportJob.objects.create(user=admin_user, filename="mine.xlsx")
    url = reverse("territory:import_status", args=[job.pk])
    assert client_for(wuhe_staff).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


# Large files go to the task queue ----------------------------------------------------------------


def test_a_large_file_is_imported_by_a_task_with_a_progress_bar(
    world, admin, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [["big-rc", "大居委会", "residents_committee", "wuhe", "", ""]]
    rows += [[f"big-{n}", f"小区{n}", "garden_estate", "big-rc", "", ""] for n in range(599)]
    before = Place.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(admin, workbook(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "territory:import_status", args=[job.pk]
    )
    assert len(callbacks) == 1
    assert job.status == "pending" and job.total_rows == 600

    page = admin.get(response["Location"]).content.decode()
    assert 'class="progress"' in page and 'hx-trigger="every 1s"' in page
    assert f'hx-get="{response["Location"]}"' in page
    partial = admin.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="import-panel"') and "<html" not in partial

    callbacks[0]()  # the worker runs the task
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert job.processed_rows == job.total_rows == 600
    assert job.created["places"] == 600
    assert Place.objects.count() == before + 600
    assert job.content == b""
    page = admin.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' not in page
