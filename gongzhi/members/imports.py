"""The member register as an Excel workbook: the template, the export, and the import.

The foundation import (`gongzhi.imports`) does the reading (with its checks on the file itself), the job, the
task queue for large files, the progress and the problem list; this module adds the member sheet, the checks
of its rows, and the writing through `member_create`, so every imported member is validated, encrypted,
indexed and audited exactly like one registered by hand.

Personal data never leaves in clear by default: the export masks ID numbers and phones, as the screen does,
and so cannot be imported again. The full export, for roles that may reveal personal data, holds them in
clear, is audited as one reveal, and round-trips through the import.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from gongzhi.core.audit import audit_record
from gongzhi.core.exports import add_sheet, new_workbook
from gongzhi.core.pii import blind_index, validate_id_number, validate_phone
from gongzhi.core.roles import Action
from gongzhi.core.scoping import can, can_anywhere, scope_q
from gongzhi.imports.checks import _fetch, _text, parse_date
from gongzhi.imports.forms import ImportForm
from gongzhi.imports.layout import INSTRUCTIONS, Column, Problem, Sheet, normalise, resolve_kind, translations
from gongzhi.imports.runner import Importer, common_path, row_failures
from gongzhi.imports.workbook import Book, Row
from gongzhi.members.models import Education, Gender, Member, MemberStatus
from gongzhi.members.services import BRANCH_KINDS, member_create
from gongzhi.party.models import OrgKind, PartyOrg
from gongzhi.territory.models import Place

MEMBERS = Sheet(
    "members",
    gettext_lazy("Party members"),
    (
        Column("name", gettext_lazy("Full name")),
        Column("gender", gettext_lazy("Gender")),
        Column("ethnicity", gettext_lazy("Ethnicity")),
        Column("birth_date", gettext_lazy("Birth date")),
        Column("id_number", gettext_lazy("ID number")),
        Column("phone", gettext_lazy("Phone")),
        Column("education", gettext_lazy("Education")),
        Column("joined_on", gettext_lazy("Joined the party on")),
        Column("status", gettext_lazy("Status")),
        Column("full_on", gettext_lazy("Full member since")),
        Column("branch", gettext_lazy("Branch code")),
        Column("home_place", gettext_lazy("Home place code")),
        Column("is_owner", gettext_lazy("Owns a home")),
        Column("employer", gettext_lazy("Employer")),
        Column("note", gettext_lazy("Note")),
    ),
)
DATE_COLUMNS = ("birth_date", "joined_on", "full_on")
TEXT_COLUMNS = ("id_number", "phone")  # long digit strings Excel would otherwise turn into numbers
YES, NO = gettext_lazy("Yes"), gettext_lazy("No")
DEFAULT_ETHNICITY = Member._meta.get_field("ethnicity").default
MASK = "*"  # what a masked ID number or phone holds in place of digits


def _column(key: str) -> int:
    """The 1-based position of a column of the member sheet."""
    return [c.key for c in MEMBERS.columns].index(key) + 1


# The template and the export ---------------------------------------------------------------------


def changeable_branches(user: Any) -> QuerySet[PartyOrg]:
    """The branches `user` may import members into: the codes the Instructions sheet lists."""
    return (
        PartyOrg.objects.filter(scope_q(user, Action.CHANGE, "place__path"))
        .filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
        .order_by("place__path", "code")
    )


def instruction_rows(user: Any) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the Instructions sheet: the rules, the codes and labels, the user's branches."""
    rules = [
        _("Fill in the sheet Party members, one member per row. Keep its name and headers."),
        _("Row 1 holds the headers. Empty rows are skipped."),
        _(
            "Required: full name, gender, birth date, ID number, joined the party on, status and branch code. "
            "An empty ethnicity means %(default)s."
        )
        % {"default": DEFAULT_ETHNICITY},
        _("Gender, education and status: the code or the label listed below."),
        _("Dates: a date cell or YYYY-MM-DD, not in the future."),
        _(
            "ID number: 18 characters with a correct check digit, matching the birth date. Type ID numbers "
            "and phones as text, so that Excel keeps every digit."
        ),
        _("Each ID number appears once, and only for a person not yet registered."),
        _(
            "Branch code: a party branch or general branch you may change (listed below). Home place code: "
            "the code of a place, or empty."
        ),
        _("Owns a home: %(yes)s or %(no)s; empty means %(no)s.") % {"yes": YES, "no": NO},
        _(
            "A masked export (ID numbers and phones partly hidden with *) cannot be imported: "
            "use the full export."
        ),
        _("If any row has a problem nothing is imported: fix the rows listed and upload the file again."),
    ]
    # A rule is long text in the first column: the empty cells beside it let it show in full.
    rows = [[f"{n}. {rule}", "", ""] for n, rule in enumerate(rules, start=1)]
    rows.append(["", "", ""])
    for key, kinds in (("gender", Gender), ("education", Education), ("status", MemberStatus)):
        header = str(MEMBERS.column(key))
        rows.extend([header, value, str(label)] for value, label in kinds.choices)
    header = str(MEMBERS.column("is_owner"))
    rows.extend([header, str(text), ""] for text in (YES, NO))
    header = str(MEMBERS.column("branch"))
    rows.extend([header, org.code, org.name] for org in changeable_branches(user))
    return [_("Column"), _("Code"), _("Label")], rows


def members_workbook(user: Any, rows: Iterable[list[Any]]) -> Workbook:
    """The member sheet holding `rows`, then the Instructions sheet."""
    wb = new_workbook()
    ws = add_sheet(wb, str(MEMBERS), MEMBERS.headers(), rows)
    for key in DATE_COLUMNS:
        for (cell,) in ws.iter_rows(min_row=2, min_col=_column(key), max_col=_column(key)):
            cell.number_format = "yyyy-mm-dd"
    for key in TEXT_COLUMNS:
        letter = get_column_letter(_column(key))
        ws.column_dimensions[letter].number_format = "@"  # new cells typed into the template stay text
        ws.column_dimensions[letter].width = 22
    header, instructions = instruction_rows(user)
    ws = add_sheet(wb, str(INSTRUCTIONS), header, instructions)
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 40
    return wb


def export_row(member: Member, *, full: bool) -> list[Any]:
    """One member in the import layout; ID number and phone masked unless `full`."""
    return [
        member.name,
        member.get_gender_display(),
        member.ethnicity,
        member.birth_date,
        member.id_number if full else member.id_number_masked,
        member.phone if full else member.phone_masked,
        member.get_education_display() if member.education else "",
        member.joined_on,
        member.get_status_display(),
        member.full_on or "",
        member.branch.code,
        member.home_place.code if member.home_place else "",
        str(YES if member.is_owner else NO),
        member.employer,
        member.note,
    ]


def export_workbook(user: Any, members: QuerySet[Member], *, full: bool = False) -> Workbook:
    """`members` in the import layout.

    Masked by default. `full` needs the reveal action over the branch of every member exported (else
    PermissionDenied, and nothing is recorded); the full export is audited as one reveal naming how many
    members it holds.
    """
    members = members.select_related("branch__place", "home_place")
    paths: list[str] = []
    if full:
        paths = sorted(set(members.order_by().values_list("branch__place__path", flat=True).distinct()))
        if not can_anywhere(user, Action.REVEAL) or not all(can(user, Action.REVEAL, p) for p in paths):
            raise PermissionDenied
    rows = [export_row(m, full=full) for m in members.iterator(chunk_size=500)]
    wb = members_workbook(user, rows)
    if full:
        path = common_path(paths)
        area = Place.objects.filter(path=path).first() if paths else None
        audit_record(
            actor=user,
            action="reveal",
            obj=area or user,
            place_path=path,
            changes={
                "id_number": ["***", "revealed"],
                "phone": ["***", "revealed"],
                "members": [None, len(rows)],
            },
        )
    return wb


# Checking the rows -------------------------------------------------------------------------------


@dataclass
class MemberRow:
    row: int
    branch: PartyOrg
    data: dict[str, Any]  # the keyword arguments of member_create


@dataclass
class MemberPlan:
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@cache
def _yes_no() -> dict[str, bool]:
    """Normalised yes or no, in any language of the site (and as Excel writes a boolean) → the value."""
    lookup = {"true": True, "false": False, "1": True, "0": False, "y": True, "n": False}
    for text, value in ((YES, True), (NO, False)):
        lookup.update(dict.fromkeys(translations(text), value))
    return lookup


class MemberChecker:
    """Every rule `member_create` applies, checked on every row before anything is written."""

    def __init__(self, user: Any, book: Book, tick: Callable[[], None]) -> None:
        self.user, self.tick = user, tick
        self.rows: list[Row] = book.rows.get(MEMBERS.key, [])
        self.plan = MemberPlan(problems=list(book.problems))
        self.today = timezone.localdate()
        self.id_rows: dict[str, int] = {}  # blind index → the row that has the ID number first
        self._load()

    def _load(self) -> None:
        """The branches, places and registered ID numbers the rows refer to, in a handful of queries."""
        codes = {_text(r.values.get("branch", "")) for r in self.rows}
        orgs = PartyOrg.objects.select_related("place")
        self.branches = {o.code: o for o in _fetch(orgs, "code", codes)}
        codes = {_text(r.values.get("home_place", "")) for r in self.rows}
        self.places = {p.code: p for p in _fetch(Place.objects.all(), "code", codes)}
        indexes = {blind_index(_text(r.values.get("id_number", "")), purpose="id_number") for r in self.rows}
        registered = Member.objects.values_list("id_index", flat=True)
        self.registered = set(_fetch(registered, "id_index", indexes))

    def run(self) -> MemberPlan:
        if self.plan.problems:  # a sheet or a header is wrong: the rows cannot be read reliably
            return self.plan
        for row in self.rows:
            self.member(row)
            self.tick()
        return self.plan

    # Cells ---------------------------------------------------------------------------------------

    def error(self, row: Row, key: str, message: str) -> None:
        self.plan.problems.append(Problem(str(MEMBERS), row.number, str(MEMBERS.column(key)), message))

    def text(self, row: Row, key: str, *, required: bool = False, max_length: int = 0) -> str:
        value = _text(row.values.get(key, ""))
        if required and not value:
            self.error(row, key, _("This cell must not be empty."))
        elif max_length and len(value) > max_length:
            message = _("At most %(max)d characters are allowed; this cell has %(count)d.")
            self.error(row, key, message % {"max": max_length, "count": len(value)})
        return value

    def choice(self, row: Row, key: str, kinds: type[TextChoices], *, required: bool = False) -> str:
        value = self.text(row, key, required=required)
        if not value:
            return ""
        found = resolve_kind(kinds, value)
        if found is None:
            message = _(
                "“%(value)s” is not allowed here: use a code or a label listed on the Instructions sheet."
            )
            self.error(row, key, message % {"value": value})
            return ""
        return found

    def date(self, row: Row, key: str, *, required: bool = False) -> datetime.date | None:
        value = row.values.get(key, "")
        if value == "":
            if required:
                self.error(row, key, _("This cell must not be empty."))
            return None
        day = parse_date(value)
        if day is None:
            message = _("“%(value)s” is not a date: use a date cell or the form YYYY-MM-DD.")
            self.error(row, key, message % {"value": _text(value)})
        elif day > self.today:
            self.error(row, key, _("The date %(date)s is in the future.") % {"date": day.isoformat()})
            day = None
        return day

    def yes_no(self, row: Row, key: str) -> bool:
        value = self.text(row, key)
        if not value:
            return False
        found = _yes_no().get(normalise(value))
        if found is None:
            message = _("“%(value)s” is neither yes nor no: use %(yes)s or %(no)s.")
            self.error(row, key, message % {"value": value, "yes": YES, "no": NO})
            return False
        return found

    # Personal data -------------------------------------------------------------------------------

    def id_number(self, row: Row, birth_date: datetime.date | None) -> str:
        raw = self.text(row, "id_number", required=True)
        if not raw:
            return ""
        if MASK in raw:
            message = _("This ID number is masked: import the full export, or type the whole number.")
            self.error(row, "id_number", message)
            return ""
        try:
            value = validate_id_number(raw)
        except ValidationError as exc:
            self.error(row, "id_number", " ".join(str(m) for m in exc.messages))
            return ""
        embedded = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        if birth_date and embedded != birth_date:
            message = _(
                "The ID number gives the birth date %(embedded)s, but the birth date column says %(birth)s."
            )
            self.error(
                row,
                "id_number",
                message % {"embedded": embedded.isoformat(), "birth": birth_date.isoformat()},
            )
        index = blind_index(value, purpose="id_number")
        if index in self.id_rows:
            message = _("This ID number is already on row %(row)d.")
            self.error(row, "id_number", message % {"row": self.id_rows[index]})
        else:
            self.id_rows[index] = row.number
            if index in self.registered:
                self.error(row, "id_number", _("A member with this ID number is already registered."))
        return value

    def phone(self, row: Row) -> str:
        raw = self.text(row, "phone")
        if not raw:
            return ""
        if MASK in raw:
            message = _("This phone number is masked: import the full export, or type the whole number.")
            self.error(row, "phone", message)
            return ""
        try:
            return validate_phone(raw)
        except ValidationError as exc:
            self.error(row, "phone", " ".join(str(m) for m in exc.messages))
            return ""

    # References ----------------------------------------------------------------------------------

    def branch(self, row: Row) -> PartyOrg | None:
        code = self.text(row, "branch", required=True)
        if not code:
            return None
        org = self.branches.get(code)
        if org is None:
            message = _("Unknown branch “%(code)s”: no party organisation has this code.")
        elif org.kind not in BRANCH_KINDS:
            message = _("“%(code)s” is a %(kind)s: a member belongs to a party branch or general branch.")
        elif not org.is_active:
            message = _("The branch “%(code)s” has been dissolved.")
        elif not can(self.user, Action.CHANGE, org.place.path):
            message = _("“%(code)s” is outside your area: you may not add anything there.")
        else:
            return org
        kind = OrgKind(org.kind).label if org else ""
        self.error(row, "branch", message % {"code": code, "kind": kind})
        return None

    def home_place(self, row: Row) -> Place | None:
        code = self.text(row, "home_place")
        if not code:
            return None
        place = self.places.get(code)
        if place is None:
            self.error(
                row, "home_place", _("Unknown place “%(code)s”: no place has this code.") % {"code": code}
            )
        return place

    # The row -------------------------------------------------------------------------------------

    def member(self, row: Row) -> None:
        count = len(self.plan.problems)
        name = self.text(row, "name", required=True, max_length=50)
        gender = self.choice(row, "gender", Gender, required=True)
        ethnicity = self.text(row, "ethnicity", max_length=20) or DEFAULT_ETHNICITY
        birth_date = self.date(row, "birth_date", required=True)
        id_number = self.id_number(row, birth_date)
        phone = self.phone(row)
        education = self.choice(row, "education", Education)
        joined_on = self.date(row, "joined_on", required=True)
        if joined_on and birth_date and joined_on < birth_date:
            self.error(row, "joined_on", _("The member cannot have joined the party before being born."))
        status = self.choice(row, "status", MemberStatus, required=True)
        full_on = self.date(row, "full_on")
        if status == MemberStatus.FULL and full_on and joined_on and full_on < joined_on:
            self.error(row, "full_on", _("A member becomes full after joining, not before."))
        branch = self.branch(row)
        home_place = self.home_place(row)
        is_owner = self.yes_no(row, "is_owner")
        employer = self.text(row, "employer", max_length=100)
        note = self.text(row, "note")
        if len(self.plan.problems) > count or branch is None:
            return
        data = {
            "name": name,
            "gender": gender,
            "ethnicity": ethnicity,
            "birth_date": birth_date,
            "id_number": id_number,
            "phone": phone,
            "education": education,
            "joined_on": joined_on,
            "status": status,
            "full_on": full_on,
            "home_place": home_place,
            "is_owner": is_owner,
            "employer": employer,
            "note": note,
        }
        self.plan.rows.append(MemberRow(row.number, branch, data))


def check(user: Any, book: Book, tick: Callable[[], None] | None = None) -> MemberPlan:
    """Check every row of `book` for `user`; the plan is safe to write only if it has no problems."""
    return MemberChecker(user, book, tick or (lambda: None)).run()


# Writing -----------------------------------------------------------------------------------------


def apply(plan: MemberPlan, user: Any, tick: Callable[[], None]) -> dict[str, Any]:
    """Register every member through the service. Call inside a transaction: a RowFailure undoes it."""
    paths: list[str] = []
    for r in plan.rows:
        with row_failures(MEMBERS, r.row, fallback="name"):
            member_create(by=user, branch=r.branch, **r.data)
        paths.append(r.branch.place.path)
        tick()
    return {"created": {"members": len(plan.rows)}, "place_path": common_path(paths)}


IMPORTER = Importer((MEMBERS,), check, apply, counts=("members",))
IMPORTER_PATH = f"{__name__}.IMPORTER"  # how a queued job finds it


class MemberImportForm(ImportForm):
    sheets = (MEMBERS,)
