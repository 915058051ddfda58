"""Import and export of the member register: the full round trip, masking, reveals, every refusal, the queue."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from gongzhi.core.exports import XLSX
from gongzhi.core.models import AuditEvent
from gongzhi.core.pii import id_number_check_char
from gongzhi.core.roles import Role
from gongzhi.imports import runner, tasks
from gongzhi.imports.layout import INSTRUCTIONS
from gongzhi.imports.models import ImportJob
from gongzhi.members import imports as member_imports
from gongzhi.members.imports import IMPORTER_PATH, MEMBERS
from gongzhi.members.models import Education, Gender, Member, MemberStatus
from gongzhi.members.services import member_update
from tests.factories import make_id_number, make_member, make_org, make_user

IMPORT = reverse("members:import")
EXPORT = reverse("members:import_export")
TEMPLATE = reverse("members:import_template")
BIRTH = datetime.date(1985, 3, 12)


# Helpers -----------------------------------------------------------------------------------------


def workbook(rows=(), *, headers=None, title=None) -> bytes:
    """An .xlsx in the member layout (headers in the active language) holding the given rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = title or str(MEMBERS)
    ws.append(headers or MEMBERS.headers())
    for row in rows:
        ws.append(list(row))
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(branch, /, **values) -> list:
    """A good row for `branch` (a PartyOrg or a code), with some cells replaced."""
    cells = {
        "name": "王小明",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": BIRTH,
        "id_number": make_id_number(BIRTH),
        "phone": "13800138000",
        "education": "bachelor",
        "joined_on": datetime.date(2010, 7, 1),
        "status": "full",
        "full_on": datetime.date(2011, 7, 1),
        "branch": getattr(branch, "code", branch),
        "home_place": "",
        "is_owner": "",
        "employer": "",
        "note": "",
    }
    cells.update(values)
    return [cells[c.key] for c in MEMBERS.columns]


def post(client, content: bytes, name: str = "members.xlsx", **extra):
    upload = SimpleUploadedFile(name, content, content_type=XLSX)
    return client.post(IMPORT, {"file": upload}, **extra)


def counts() -> tuple[int, int]:
    return Member.objects.count(), AuditEvent.objects.count()


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


def column(key: str) -> str:
    return str(MEMBERS.column(key))


def cells(content: bytes) -> list:
    """Every cell value of every sheet of a workbook."""
    wb = load_workbook(BytesIO(content))
    return [value for ws in wb.worksheets for line in ws.iter_rows(values_only=True) for value in line]


def id_number_ending_in_x(birth: datetime.date) -> str:
    for serial in range(1000):
        first17 = f"440307{birth:%Y%m%d}{serial:03d}"
        if id_number_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives X")


FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "joined_on",
    "status",
    "full_on",
    "is_owner",
    "employer",
    "note",
)


def state(members) -> set[tuple]:
    """Members by their data, decrypted (primary keys differ after a round trip)."""
    return {
        (
            *(getattr(m, f) for f in FIELDS),
            m.branch.code,
            m.home_place.code if m.home_place else "",
        )
        for m in members.select_related("branch", "home_place")
    }


@pytest.fixture
def staff(client_for, wuhe_staff):
    return client_for(wuhe_staff)


@pytest.fixture
def register(world):
    """Members of every 五和 branch, varied; one of 象角塘 and one who left, neither exported by 五和 staff."""
    members = [
        make_member(
            world.dgk_branch,
            "张三",
            ethnicity="回族",
            education=Education.BACHELOR,
            home_place=world.dgk,
            is_owner=True,
            employer="五和股份合作公司",
            note="=SUM(A1) 不是公式\n第二行",
        ),
        make_member(
            world.xincun_branch,
            "李四",
            gender=Gender.FEMALE,
            status=MemberStatus.PROBATIONARY,
            full_on=None,
            joined_on=datetime.date(2024, 6, 1),
            phone="",
            birth_date=datetime.date(1990, 2, 28),
            id_number=id_number_ending_in_x(datetime.date(1990, 2, 28)),
        ),
        make_member(world.estate_branch, "王五", education=Education.POSTGRADUATE, phone="075528881234"),
    ]
    make_member(world.plaza_branch, "赵六")
    gone = make_member(world.dgk_branch, "钱七")
    member_update(by=None, member=gone, left_on=datetime.date(2023, 1, 1))
    return members


# The full export round-trips ---------------------------------------------------------------------


def test_full_export_then_import_into_an_empty_register_gives_the_same_members(
    world, register, wuhe_staff, staff
):
    exported = Member.objects.filter(pk__in=[m.pk for m in register])
    before = state(exported)
    assert any(m[FIELDS.index("id_number")].endswith("X") for m in before)
    response = staff.post(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    content = response.content

    exported.delete()
    audits = AuditEvent.objects.count()
    response = post(staff, content, name="full.xlsx", follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get(user=wuhe_staff)
    assert job.status == "done", job.errors
    assert job.created == {"members": 3}
    assert f"{reverse('members:member_list')}" in response.content.decode()

    imported = Member.objects.filter(branch__place__path__startswith=world.wuhe.path, left_on__isnull=True)
    assert state(imported) == before
    assert Member.objects.count() == 5  # the 象角塘 member and the one who left were never exported
    # Every member was registered by the service on the importer's behalf; the import is audited too.
    created = AuditEvent.objects.filter(actor=wuhe_staff, action="create", target_type="members.member")
    assert created.count() == 3
    assert all(e.changes["id_number"] == ["", "***"] for e in created)
    event = AuditEvent.objects.get(action="import", target_type="imports.importjob")
    assert event.target_id == str(job.pk) and event.changes["members"] == [None, 3]
    assert event.place_path == world.wuhe.path
    assert AuditEvent.objects.count() == audits + 4


def test_the_database_holds_no_clear_id_number_or_phone_after_an_import(world, wuhe_staff, staff):
    id_number = make_id_number(BIRTH)
    post(staff, workbook([row(world.dgk_branch, id_number=id_number, phone="13912345678")]))
    assert ImportJob.objects.get().status == "done"
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        raw = [str(value) for line in cursor.fetchall() for value in line]
    assert not any(id_number in value or id_number[-8:] in value for value in raw)
    assert not any("13912345678" in value for value in raw)
    member = Member.objects.get()
    assert member.id_number == id_number and member.phone == "13912345678"


# The default export is masked --------------------------------------------------------------------


def test_the_default_export_shows_masks_only_and_cannot_be_imported(world, register, wuhe_staff, staff):
    response = staff.get(EXPORT)
    assert response.status_code == 200
    values = [str(v) for v in cells(response.content) if v is not None]
    clear = {m.id_number for m in register} | {m.phone for m in register if m.phone}
    for value in values:
        assert not any(secret in value for secret in clear), value
        assert not re.search(r"\d{17}[\dX]", value), value
    for member in register:
        assert member.id_number_masked in values
    assert not AuditEvent.objects.filter(action="reveal").exists()

    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [str(MEMBERS), str(INSTRUCTIONS)]
    lines = list(wb[str(MEMBERS)].iter_rows(values_only=True))
    assert list(lines[0]) == MEMBERS.headers()
    assert len(lines) == 4  # the header and 五和's three current members
    birth = MEMBERS.columns.index(MEMBERS.column("birth_date"))
    assert all(isinstance(line[birth], datetime.datetime) for line in lines[1:])  # real date cells

    # Masked values are refused by name, before the duplicate check would mention them.
    job, _html = refused(staff, response.content)
    assert problems(job) == {(str(MEMBERS), n, column("id_number")) for n in (2, 3, 4)} | {
        (str(MEMBERS), n, column("phone")) for n in (2, 4)
    }


# Full exports reveal: only with the reveal action, audited once ----------------------------------


@pytest.mark.parametrize("who", ["auditor", "grid_worker"])
def test_a_full_export_without_reveal_is_forbidden_and_not_recorded(
    world, register, client_for, request, who
):
    client = client_for(request.getfixturevalue(who))
    before = AuditEvent.objects.count()
    assert client.post(EXPORT).status_code == 403
    assert AuditEvent.objects.count() == before
    assert client.get(EXPORT).status_code == 200  # the masked export is theirs to take


def test_a_full_export_is_audited_as_one_reveal(world, register, wuhe_staff, staff):
    before = AuditEvent.objects.count()
    response = staff.post(EXPORT)
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == wuhe_staff
    assert event.changes["members"] == [None, 3]
    assert event.place_path == world.wuhe.path  # the area exported: visible to 五和's auditors
    assert {m.id_number for m in register} <= set(cells(response.content))


def test_a_full_export_needs_reveal_over_every_branch_exported(world, register, client_for):
    """A reader of the whole subdistrict who may reveal only in one branch exports that branch alone."""
    mixed = make_user("t-mixed", Role.GRID_WORKER, world.bantian)
    from gongzhi.accounts.services import assignment_grant

    assignment_grant(user=mixed, role=Role.BRANCH_SECRETARY, place=world.dgk, by=None)
    client = client_for(mixed)
    assert client.post(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()
    response = client.post(f"{EXPORT}?organization={world.dgk_branch.pk}")
    assert response.status_code == 200
    assert register[0].id_number in cells(response.content)
    assert AuditEvent.objects.get(action="reveal").changes["members"] == [None, 1]


def test_export_and_template_need_view_somewhere(world, resident, client_for):
    client = client_for(resident)
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT).status_code == 403
    assert client.get(TEMPLATE).status_code == 403


# The template ------------------------------------------------------------------------------------


def test_template_has_headers_only_and_the_codes(world, wuhe_staff, staff):
    response = staff.get(TEMPLATE)
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [str(MEMBERS), str(INSTRUCTIONS)]
    assert list(wb[str(MEMBERS)].iter_rows(values_only=True)) == [tuple(MEMBERS.headers())]
    listed = {line[1] for line in wb[str(INSTRUCTIONS)].iter_rows(values_only=True)}
    assert set(Gender.values) | set(Education.values) | set(MemberStatus.values) <= listed
    # The branches the user may import into, and no others.
    assert {world.dgk_branch.code, world.xincun_branch.code, world.estate_branch.code} <= listed
    assert world.plaza_branch.code not in listed and world.wuhe_committee.code not in listed


# A good import -----------------------------------------------------------------------------------


def test_import_accepts_labels_in_either_language_and_text_dates(world, wuhe_staff, staff):
    with translation.override("zh-hans"):
        bachelor = str(Education.BACHELOR.label)
    general = make_org("general_branch", world.xincun, world.wuhe_committee, name="五和新村党总支")
    rows = [
        row(
            world.dgk_branch,
            name="陈一",
            gender="女",
            education=bachelor,
            status="预备党员",
            full_on="",
            is_owner="是",
            home_place=world.dgk.code,
        ),
        [None] * len(MEMBERS.columns),  # empty rows are skipped
        row(
            general,
            name="陈二",
            gender="Male",
            ethnicity="",
            birth_date="1979年5月17日",
            id_number=make_id_number(datetime.date(1979, 5, 17)).lower(),
            phone="138-0013-8001",
            education="",
            joined_on="2001/07/01",
            status="Full member",
            is_owner="no",
        ),
    ]
    response = post(staff, workbook(rows), follow=True)
    job = ImportJob.objects.get()
    assert job.status == "done", job.errors
    assert 'hx-trigger="every 1s"' not in response.content.decode()  # finished: no more polling
    first, second = Member.objects.get(name="陈一"), Member.objects.get(name="陈二")
    assert (first.gender, first.education, first.status, first.full_on) == (
        "female",
        "bachelor",
        "probationary",
        None,
    )
    assert first.is_owner and first.home_place == world.dgk
    assert second.branch == general and second.ethnicity == "汉族" and second.education == ""
    assert second.birth_date == datetime.date(1979, 5, 17) and second.joined_on == datetime.date(2001, 7, 1)
    assert second.phone == "13800138001" and not second.is_owner


def test_headers_in_another_language_are_read(world, staff):
    with translation.override("en"):
        content = workbook([row(world.dgk_branch)])
    post(staff, content)
    assert ImportJob.objects.get().status == "done"
    assert Member.objects.filter(name="王小明").exists()


# Refusals: nothing is written, each problem is named by sheet, row and column ---------------------

TOMORROW = "TOMORROW"
CASES = {
    "empty name": ({"name": "  "}, "name", ""),
    "bad gender": ({"gender": "unknown"}, "gender", "unknown"),
    "bad status": ({"status": "candidate"}, "status", "candidate"),
    "bad education": ({"education": "kindergarten"}, "education", "kindergarten"),
    "bad date": ({"joined_on": "2005-13-45"}, "joined_on", "2005-13-45"),
    "future date": ({"joined_on": TOMORROW}, "joined_on", ""),
    "empty birth date": ({"birth_date": ""}, "birth_date", ""),
    "bad check digit": ({"id_number": make_id_number(BIRTH)[:17] + "0"}, "id_number", ""),
    "too short id number": ({"id_number": "44030719850312"}, "id_number", ""),
    "id number disagrees with the birth date": (
        {"id_number": make_id_number(datetime.date(1985, 3, 13))},
        "id_number",
        "1985-03-13",
    ),
    "masked id number": ({"id_number": "4403**********1234"}, "id_number", ""),
    "bad phone": ({"phone": "12345"}, "phone", ""),
    "masked phone": ({"phone": "138****8000"}, "phone", ""),
    "unknown branch": ({"branch": "ghost-branch"}, "branch", "ghost-branch"),
    "not a branch": ({"branch": "COMMITTEE"}, "branch", "COMMITTEE"),
    "branch outside the change scope": ({"branch": "PLAZA"}, "branch", "PLAZA"),
    "unknown home place": ({"home_place": "nowhere"}, "home_place", "nowhere"),
    "not yes or no": ({"is_owner": "maybe"}, "is_owner", "maybe"),
    "full before joining": ({"full_on": datetime.date(2009, 1, 1)}, "full_on", ""),
    "name too long": ({"name": "长" * 51}, "name", "51"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_rows_are_refused(world, staff, case):
    values, key, mention = CASES[case]
    codes = {"COMMITTEE": world.wuhe_committee.code, "PLAZA": world.plaza_branch.code}
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    values = {k: codes.get(v, tomorrow if v == TOMORROW else v) for k, v in values.items()}
    mention = codes.get(mention, mention)
    good = row(world.xincun_branch, name="好人", id_number=make_id_number(BIRTH))
    job, _html = refused(staff, workbook([good, row(world.dgk_branch, **values)]))
    assert problems(job) == {(str(MEMBERS), 3, column(key))}
    assert any(mention in e["message"] for e in job.errors)


def test_a_bad_check_digit_is_told_as_such(world, staff):
    number = make_id_number(BIRTH)
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    job, html = refused(staff, workbook([row(world.dgk_branch, id_number=wrong)]))
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, column("id_number"))]
    with translation.override("zh-hans"):
        from gongzhi.core.pii import validate_id_number

        with pytest.raises(ValidationError) as exc:
            validate_id_number(wrong)
    assert str(exc.value.messages[0]) in job.errors[0]["message"]
    assert wrong not in html  # the page does not echo a person's ID number


def test_a_duplicate_id_number_within_the_file_names_the_first_row(world, staff):
    number = make_id_number(BIRTH)
    rows = [
        row(world.dgk_branch, id_number=number),
        row(world.xincun_branch, name="另一人", id_number=number),
    ]
    job, _html = refused(staff, workbook(rows))
    assert problems(job) == {(str(MEMBERS), 3, column("id_number"))}
    assert "2" in job.errors[0]["message"]


def test_an_id_number_already_registered_is_found_through_the_blind_index(world, staff):
    existing = make_member(world.plaza_branch, "赵六", birth_date=BIRTH)  # even outside the user's area
    job, _html = refused(staff, workbook([row(world.dgk_branch, id_number=existing.id_number.lower())]))
    assert problems(job) == {(str(MEMBERS), 2, column("id_number"))}


def test_every_bad_row_is_listed_and_empty_rows_keep_their_numbers(world, staff):
    rows = [
        row(world.dgk_branch, name=""),
        [None] * len(MEMBERS.columns),
        row(world.dgk_branch, id_number=make_id_number(BIRTH), gender="x", branch="ghost"),
    ]
    job, _html = refused(staff, workbook(rows))
    assert problems(job) == {
        (str(MEMBERS), 2, column("name")),
        (str(MEMBERS), 4, column("gender")),
        (str(MEMBERS), 4, column("branch")),
    }


def test_an_outsider_may_not_import_into_a_wuhe_branch(world, outsider, client_for):
    client = client_for(outsider)
    rows = [
        row(world.plaza_branch, name="象角塘党员"),
        row(world.dgk_branch, id_number=make_id_number(BIRTH)),
    ]
    job, _html = refused(client, workbook(rows))
    assert problems(job) == {(str(MEMBERS), 3, column("branch"))}
    assert world.dgk_branch.code in job.errors[0]["message"]
    assert not Member.objects.filter(name="象角塘党员").exists()


def test_wrong_headers_and_a_missing_sheet_are_refused(world, staff):
    headers = [*MEMBERS.headers()[:-1], "Remarks"]
    job, _html = refused(staff, workbook([row(world.dgk_branch)], headers=headers))
    assert problems(job) == {(str(MEMBERS), 1, "Remarks"), (str(MEMBERS), 1, column("note"))}
    job, _html = refused(staff, workbook([row(world.dgk_branch)], title="Sheet1"))
    assert problems(job) == {(str(MEMBERS), None, "")}


def test_a_file_with_no_rows_is_refused(world, staff):
    job, _html = refused(staff, workbook([]))
    assert problems(job) == {("", None, "")}


def test_a_service_refusing_a_row_rolls_everything_back(world, staff, monkeypatch):
    real = member_imports.member_create

    def refuse_the_second(*, by, branch, **data):
        if data["name"] == "第二":
            raise ValidationError("The service said no.")
        return real(by=by, branch=branch, **data)

    monkeypatch.setattr(member_imports, "member_create", refuse_the_second)
    rows = [
        row(world.dgk_branch, name="第一"),
        row(world.dgk_branch, name="第二", id_number=make_id_number(BIRTH)),
    ]
    job, _html = refused(staff, workbook(rows))
    assert job.errors == [
        {"sheet": str(MEMBERS), "row": 3, "column": column("name"), "message": "The service said no."}
    ]
    assert not Member.objects.filter(name="第一").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("members.csv", "姓名,性别\n王小明,男\n".encode()),
        ("renamed.xlsx", bytes(range(256)) * 8),
        ("empty.xlsx", b""),
    ],
    ids=["csv", "random-bytes", "empty"],
)
def test_a_file_that_is_not_a_workbook_gets_one_clear_message(world, staff, name, content):
    before = counts()
    response = post(staff, content, name=name)
    assert response.status_code == 400
    assert counts() == before
    assert not ImportJob.objects.exists()
    assert response.content.decode().count(runner.not_a_workbook().message) == 1


def test_a_file_over_the_size_limit_is_refused(world, staff, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = post(staff, workbook([row(world.dgk_branch)]))
    assert response.status_code == 400
    assert not ImportJob.objects.exists() and not Member.objects.exists()


# Permissions and pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "grid_worker"])
def test_only_those_who_may_change_a_branch_may_import(world, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    before = counts()
    assert client.get(IMPORT).status_code == 403
    assert post(client, workbook([row(world.xincun_branch)])).status_code == 403
    assert counts() == before
    assert not ImportJob.objects.exists()
    assert reverse("members:import") not in client.get(reverse("members:member_list")).content.decode()


def test_the_member_list_links_to_the_import(world, staff):
    assert IMPORT in staff.get(reverse("members:member_list")).content.decode()


def test_import_page_lists_links_and_recent_imports(world, wuhe_staff, staff, django_assert_max_num_queries):
    html = staff.get(IMPORT).content.decode()
    assert TEMPLATE in html and EXPORT in html
    assert 'enctype="multipart/form-data"' in html and 'method="post" action="' + EXPORT in html
    assert "bi-inbox" in html  # the empty state
    ImportJob.objects.create(user=wuhe_staff, filename="places.xlsx", status="done", created={"places": 1})
    for n in range(3):
        ImportJob.objects.create(
            user=wuhe_staff,
            filename=f"m{n}.xlsx",
            status="done",
            created={"members": n},
            importer=IMPORTER_PATH,
        )
    with django_assert_max_num_queries(8) as first:
        response = staff.get(IMPORT)
    for n in range(3, 10):
        ImportJob.objects.create(
            user=wuhe_staff,
            filename=f"m{n}.xlsx",
            status="failed",
            created={"members": 0},
            importer=IMPORTER_PATH,
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = staff.get(IMPORT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "m9.xlsx" in html and "places.xlsx" not in html  # the territory's imports are not listed here
    assert reverse("members:import_status", args=[ImportJob.objects.get(filename="m2.xlsx").pk]) in html


def test_status_page_is_only_for_the_uploader_and_only_for_member_imports(
    world, wuhe_staff, secretary, client_for
):
    job = ImportJob.objects.create(
        user=wuhe_staff, filename="mine.xlsx", created={"members": 0}, importer=IMPORTER_PATH
    )
    places = ImportJob.objects.create(user=wuhe_staff, filename="places.xlsx")
    url = reverse("members:import_status", args=[job.pk])
    assert client_for(secretary).get(url).status_code == 404
    client = client_for(wuhe_staff)
    assert client.get(url).status_code == 200
    assert client.get(reverse("members:import_status", args=[places.pk])).status_code == 404


# Large files go to the task queue ----------------------------------------------------------------


def test_a_large_file_is_imported_by_a_task_with_a_progress_bar(
    world, staff, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(tasks, "QUEUE_FROM_ROWS", 5)
    rows = [
        row(world.dgk_branch, name=f"党员{n}", id_number=make_id_number(BIRTH, n), phone=f"1380000{n:04d}")
        for n in range(6)
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(staff, workbook(rows))
    job = ImportJob.objects.get()
    location = reverse("members:import_status", args=[job.pk])
    assert response.status_code == 302 and response["Location"] == location
    assert len(callbacks) == 1
    assert job.status == "pending" and job.total_rows == 6 and job.content
    assert not Member.objects.exists()

    page = staff.get(location).content.decode()
    assert 'class="progress"' in page and 'hx-trigger="every 1s"' in page and f'hx-get="{location}"' in page
    partial = staff.get(location, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="import-panel"') and "<html" not in partial
    assert location in staff.get(IMPORT).content.decode()  # listed among the user's member imports

    callbacks[0]()  # the worker runs the task: it finds the member importer by its path
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert job.processed_rows == job.total_rows == 6 and job.created == {"members": 6}
    assert job.content == b""
    assert Member.objects.filter(branch=world.dgk_branch).count() == 6
    assert 'hx-trigger="every 1s"' not in staff.get(location).content.decode()


def test_a_queued_file_with_bad_rows_is_refused_by_the_task(
    world, staff, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(tasks, "QUEUE_FROM_ROWS", 2)
    rows = [row(world.dgk_branch, name=f"党员{n}", id_number=make_id_number(BIRTH, n)) for n in range(2)]
    rows.append(row(world.plaza_branch, id_number=make_id_number(BIRTH, 7)))
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        post(staff, workbook(rows))
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert problems(job) == {(str(MEMBERS), 4, column("branch"))}
    assert job.created == {"members": 0}  # still a member import, listed on the member page
    assert counts() == before
