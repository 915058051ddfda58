"""The minutes of a meeting as documents: a Word file (python-docx) and a PDF (ReportLab).

Both are drawn from one `Minutes` record collected from the meeting: title, committee, time, venue and
mode; attendance by seat with its stakeholder; the agenda; each motion with its rule, counts and result
(the frozen counts of a closed vote, the live ones while it is open); resolutions; actions; the minutes
text; and the amendments of a closed record. Labels follow the active language.

Chinese needs no system fonts: the PDF uses ReportLab's built-in CID font STSong-Light, and the Word
styles name 宋体 (SimSun) as their East Asian font so Word does not fall back to a Latin one. The two
libraries are imported when a document is made: no other request needs them.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.deliberation import rules, selectors
from gongzhi.deliberation.choices import AttendanceMode, MotionStatus
from gongzhi.deliberation.models import ActionItem, Meeting, Seat

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
PDF_FONT = "STSong-Light"
DOCX_FONT = "SimSun"
DOCX_EAST_ASIAN_FONT = "宋体"

Table = list[list[str]]


@dataclass
class MotionRecord:
    text: str
    facts: list[tuple[str, str]]


@dataclass
class Minutes:
    title: str
    heading: str
    facts: list[tuple[str, str]]
    attendance: Table
    attendance_summary: str
    agenda: list[str]
    motions: list[MotionRecord]
    resolutions: list[str]
    actions: Table
    text: str
    amendments: Table = field(default_factory=list)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _attendance_label(row) -> str:
    if row is None:
        return _("Not recorded")
    if row.present:
        return _("Present (online)") if row.how == AttendanceMode.ONLINE else _("Present (in person)")
    return _("On leave") if row.on_leave else _("Absent")


def _result(motion) -> str:
    if motion.status == MotionStatus.OPEN:
        return str(MotionStatus.OPEN.label)
    notes = {rules.NOTE_NO_QUORUM: _("no quorum"), rules.NOTE_NO_MAJORITY: _("majority not reached")}
    note = notes.get(motion.result_note, motion.result_note)
    return f"{motion.get_result_display()}（{note}）" if note else motion.get_result_display()


def _motion(motion, members: int, present: int, committee) -> MotionRecord:
    closed = motion.status == MotionStatus.CLOSED
    if closed:
        members, present = motion.members_count or 0, motion.present_count or 0
        counts = (motion.votes_for or 0, motion.votes_against or 0, motion.votes_abstain or 0)
    else:
        counts = (motion.n_for, motion.n_against, motion.n_abstain)
    needed = -(-members * committee.quorum_numerator // committee.quorum_denominator)
    facts = [
        (_("Agenda item"), motion.agenda_item.topic.title if motion.agenda_item_id else "—"),
        (_("Majority rule"), motion.get_rule_display()),
        (_("Committee members"), str(members)),
        (_("Present"), _("%(present)d (quorum %(needed)d)") % {"present": present, "needed": needed}),
        (_("For"), str(counts[0])),
        (_("Against"), str(counts[1])),
        (_("Abstaining"), str(counts[2])),
        (_("Result"), _result(motion)),
    ]
    return MotionRecord(text=motion.text, facts=facts)


def collect(meeting: Meeting) -> Minutes:
    """Everything the documents show, read once."""
    committee = meeting.committee
    day = timezone.localdate(meeting.scheduled_at)
    seats = list(
        Seat.objects.filter(committee_id=committee.pk)
        .current(day)
        .select_related("user", "member")
        .order_by("stakeholder", "id")
    )
    rows = {a.seat_id: a for a in meeting.attendance.all()}
    present = sum(1 for r in rows.values() if r.present)
    leave = sum(1 for r in rows.values() if r.on_leave)
    attendance = [[_("Stakeholder"), _("Holder"), _("Organisation"), _("Attendance")]]
    attendance += [
        [s.get_stakeholder_display(), s.holder, s.organisation or "—", _attendance_label(rows.get(s.pk))]
        for s in seats
    ]
    motions = list(selectors.motions_with_counts(meeting))
    resolutions = list(meeting.resolutions.order_by("adopted_at", "id"))
    actions = [[_("Action item"), _("Carried out by"), _("Deadline"), _("Status"), _("Progress")]]
    for a in ActionItem.objects.filter(resolution__meeting=meeting).select_related("owner"):
        actions.append(
            [a.title, a.owner_display, a.deadline.isoformat(), a.get_status_display(), f"{a.progress}%"]
        )
    amendments = [[_("Time"), _("By"), _("Record"), _("Before"), _("After"), _("Reason")]]
    for a in meeting.amendments.select_related("by"):
        amendments.append(
            [_when(a.at), str(a.by) if a.by_id else "—", f"{a.target}.{a.field}", a.before, a.after, a.reason]
        )
    return Minutes(
        title=meeting.title,
        heading=_("Minutes of the meeting"),
        facts=[
            (_("Committee"), committee.name),
            (_("Time"), _when(meeting.scheduled_at)),
            (_("Venue"), meeting.venue or "—"),
            (_("Mode"), meeting.get_mode_display()),
            (_("Status"), meeting.get_status_display()),
            (_("Quorum"), committee.quorum_label),
        ],
        attendance=attendance,
        attendance_summary=_(
            "%(members)d members: %(present)d present, %(leave)d on leave, %(absent)d absent."
        )
        % {
            "members": len(seats),
            "present": present,
            "leave": leave,
            "absent": len(seats) - present - leave,
        },
        agenda=[f"{i.order}. {i.topic.title}" for i in meeting.agenda_items.select_related("topic")],
        motions=[_motion(m, len(seats), present, committee) for m in motions],
        resolutions=[r.text for r in resolutions],
        actions=actions if len(actions) > 1 else [],
        text=meeting.minutes,
        amendments=amendments if len(amendments) > 1 else [],
    )


# --- Word ---------------------------------------------------------------------------------------------


def _east_asian(style) -> None:
    """Name 宋体 as the style's East Asian font, overriding any theme font."""
    from docx.oxml.ns import qn

    style.font.name = DOCX_FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), DOCX_EAST_ASIAN_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]


def _docx_table(doc, rows: Table) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = str(value)
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def to_docx(minutes: Minutes) -> bytes:
    from docx import Document

    doc = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        _east_asian(doc.styles[name])
    doc.add_heading(minutes.title, level=0)
    doc.add_paragraph(minutes.heading)
    _docx_table(doc, [[label, value] for label, value in minutes.facts])
    doc.add_heading(_("Attendance"), level=1)
    doc.add_paragraph(minutes.attendance_summary)
    _docx_table(doc, minutes.attendance)
    doc.add_heading(_("Agenda"), level=1)
    for item in minutes.agenda or ["—"]:
        doc.add_paragraph(item)
    doc.add_heading(_("Motions and votes"), level=1)
    for number, motion in enumerate(minutes.motions, start=1):
        doc.add_heading(f"{number}. {motion.text}", level=2)
        _docx_table(doc, [[label, value] for label, value in motion.facts])
    if not minutes.motions:
        doc.add_paragraph("—")
    doc.add_heading(_("Resolutions"), level=1)
    for number, text in enumerate(minutes.resolutions or ["—"], start=1):
        doc.add_paragraph(f"{number}. {text}" if minutes.resolutions else text)
    if minutes.actions:
        doc.add_heading(_("Action items"), level=1)
        _docx_table(doc, minutes.actions)
    doc.add_heading(_("Record of the meeting"), level=1)
    for line in (minutes.text or "—").splitlines():
        doc.add_paragraph(line)
    if minutes.amendments:
        doc.add_heading(_("Amendments"), level=1)
        _docx_table(doc, minutes.amendments)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------------


@functools.cache
def _pdf_styles() -> dict:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    base = {"fontName": PDF_FONT, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=24, spaceAfter=6, alignment=1, **base),
        "sub": ParagraphStyle("sub", fontSize=11, leading=16, spaceAfter=10, alignment=1, **base),
        "h1": ParagraphStyle("h1", fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, **base),
        "h2": ParagraphStyle("h2", fontSize=11, leading=16, spaceBefore=6, spaceAfter=3, **base),
        "body": ParagraphStyle("body", fontSize=10, leading=15, **base),
        "cell": ParagraphStyle("cell", fontSize=9, leading=12, **base),
    }


def _p(text: str, style) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _pdf_table(rows: Table, styles: dict, widths=None) -> object:
    from reportlab.lib import colors
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    table = PdfTable([[_p(v, styles["cell"]) for v in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def to_pdf(minutes: Minutes) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    s = _pdf_styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=minutes.title, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm
    )
    pairs = [35 * mm, None]
    story: list = [_p(minutes.title, s["title"]), _p(minutes.heading, s["sub"])]
    story += [_pdf_table([list(f) for f in minutes.facts], s, pairs)]
    story += [_p(_("Attendance"), s["h1"]), _p(minutes.attendance_summary, s["body"]), Spacer(1, 4)]
    story += [_pdf_table(minutes.attendance, s)]
    story += [_p(_("Agenda"), s["h1"])] + [_p(item, s["body"]) for item in minutes.agenda or ["—"]]
    story += [_p(_("Motions and votes"), s["h1"])]
    for number, motion in enumerate(minutes.motions, start=1):
        story += [
            _p(f"{number}. {motion.text}", s["h2"]),
            _pdf_table([list(f) for f in motion.facts], s, pairs),
        ]
    if not minutes.motions:
        story.append(_p("—", s["body"]))
    story += [_p(_("Resolutions"), s["h1"])]
    story += [_p(f"{n}. {text}", s["body"]) for n, text in enumerate(minutes.resolutions, start=1)]
    if not minutes.resolutions:
        story.append(_p("—", s["body"]))
    if minutes.actions:
        story += [_p(_("Action items"), s["h1"]), _pdf_table(minutes.actions, s)]
    story += [_p(_("Record of the meeting"), s["h1"]), _p(minutes.text or "—", s["body"])]
    if minutes.amendments:
        story += [_p(_("Amendments"), s["h1"]), _pdf_table(minutes.amendments, s)]
    doc.build(story)
    return out.getvalue()


def render(meeting: Meeting, fmt: str) -> tuple[bytes, str]:
    """The minutes of `meeting` as `docx` or `pdf` bytes, with the content type."""
    record = collect(meeting)
    data = to_docx(record) if fmt == "docx" else to_pdf(record)
    return data, FORMATS[fmt]


def as_response(data: bytes, content_type: str, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)
