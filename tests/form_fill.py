"""Fill qap's forms the way Word and Excel do, for round-trip tests.

Word: at XML level, as Word saves a filled content control (placeholder flag removed, content
replaced, a drop-down's shown text and lastValue set, a picked date's fullDate set). Excel: with
openpyxl, as typed (strings, numbers) and picked (list items, real date cells).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from openpyxl import load_workbook

from pipeline.definitions import AuditDefinition, Question
from pipeline.forms.fields import (
    ACTION_HEADERS,
    ACTIONS_SHEET,
    CASES_SHEET,
    COMPLETED_ON,
    RETURN_SHEET,
    SIGN_OFF_LABELS,
    action_tag,
    case_tag,
    question_tag,
    sign_off_tag,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"


@dataclass
class Filled:
    """Answers to put on a form: by question id, per case, actions and sign-off (as read back)."""

    tagged: dict[str, str] = field(default_factory=dict)
    cases: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)
    actions: list[tuple[str, str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def by_tag(self) -> dict[str, str]:
        """The same answers keyed by Word content-control tag."""
        tags = {question_tag(q): v for q, v in self.tagged.items()}
        for index, (ref, answers) in self.cases.items():
            tags[case_tag(index, "ref")] = ref
            tags.update({case_tag(index, q): v for q, v in answers.items()})
        for index, (action, owner, target) in enumerate(self.actions, start=1):
            tags[action_tag(index, "action")] = action
            tags[action_tag(index, "owner")] = owner
            tags[action_tag(index, "target")] = target
        tags.update({sign_off_tag(f): v for f, v in self.labels.items()})
        return tags


def sample_answer(question: Question, salt: int = 0) -> str:
    """An answer of the question's type, as the reader should return it."""
    if question.options:
        return question.options[(salt + 1) % len(question.options)]
    if question.type == "date":
        return (dt.date(2026, 11, 3) + dt.timedelta(days=salt)).isoformat()
    if question.type == "number":
        return str(12 + salt) if salt % 2 == 0 else f"{salt}.5"
    return f'Answer to {question.id} (case {salt}) & <notes>\nSecond line: "quoted" £5'


def sample_filled(audit: AuditDefinition) -> Filled:
    """Every field of the audit's form answered, with every question type represented."""
    filled = Filled()
    for question in audit.agency_questions():
        filled.tagged[question.id] = sample_answer(question)
    for index in range(1, audit.cases + 1):
        answers = {q.id: sample_answer(q, index) for q in audit.case_questions()}
        filled.cases[index] = (f"REF-{index:04d}/26", answers)
    if audit.actions_table:
        filled.actions = [
            ("Refresh DASH training for front-line staff", "Head of Safeguarding", "2027-03-31"),
            ("Audit recording of the child's voice", "Named Nurse", "2027-06-30"),
        ]
    filled.labels = {
        "completed_by": "A. Reviewer",
        "role": "Safeguarding Lead",
        "completed_on": "2026-12-01",
    }
    return filled


# ---- Word -------------------------------------------------------------------------------------


def fill_docx(
    source: Path, target: Path, values: dict[str, str], *, typed_dates: bool = False
) -> None:
    """Fill content controls by tag as Word does; dates are picked (or typed when asked)."""
    with zipfile.ZipFile(source) as package:
        members = {info.filename: package.read(info) for info in package.infolist()}
    root = etree.fromstring(members["word/document.xml"])
    seen = set()
    for sdt in root.iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        key = "" if tag is None else tag.get(f"{W}val", "")
        if values.get(key):
            _fill_control(sdt, values[key], typed_dates=typed_dates)
            seen.add(key)
    missing = {k for k, v in values.items() if v} - seen
    assert not missing, f"no control for {sorted(missing)}"
    members["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)


def _fill_control(sdt: etree._Element, value: str, *, typed_dates: bool) -> None:
    props = sdt.find(f"{W}sdtPr")
    assert props is not None
    for flag in props.findall(f"{W}showingPlcHdr"):
        props.remove(flag)
    shown = value
    listing = props.find(f"{W}dropDownList")
    if listing is not None:
        items = {
            i.get(f"{W}value"): i.get(f"{W}displayText") for i in listing.findall(f"{W}listItem")
        }
        assert value in items, f"{value!r} is not in the drop-down"
        listing.set(f"{W}lastValue", value)
        shown = items[value] or value
    date = props.find(f"{W}date")
    if date is not None and not typed_dates:
        day = dt.date.fromisoformat(value)
        date.set(f"{W}fullDate", f"{day.isoformat()}T00:00:00Z")
        shown = day.strftime("%d/%m/%Y")
    content = sdt.find(f"{W}sdtContent")
    assert content is not None
    for child in list(content):
        content.remove(child)
    content.append(_run(props, shown))


def _run(props: etree._Element, text: str) -> etree._Element:
    """One run with the control's formatting; newlines become breaks, tabs tab characters."""
    run = etree.Element(f"{W}r")
    style = props.find(f"{W}rPr")
    if style is not None:
        run.append(etree.fromstring(etree.tostring(style)))
    for number, line in enumerate(text.split("\n")):
        if number:
            etree.SubElement(run, f"{W}br")
        for part_number, part in enumerate(line.split("\t")):
            if part_number:
                etree.SubElement(run, f"{W}tab")
            if part:
                node = etree.SubElement(run, f"{W}t")
                node.text = part
                node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


# ---- Excel ------------------------------------------------------------------------------------


def _typed(value: str, qtype: str) -> object:
    """What Excel stores when this answer is typed or picked into a cell of this type."""
    if not value:
        return None
    if qtype == "date":
        return dt.datetime.fromisoformat(value)
    if qtype == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def fill_xlsx(source: Path, target: Path, audit: AuditDefinition, filled: Filled) -> None:
    """Type and pick answers into an Excel form as Excel stores them (real dates and numbers)."""
    wb = load_workbook(source)
    ws = wb[RETURN_SHEET]
    rows = {str(ws.cell(row=r, column=1).value): r for r in range(1, ws.max_row + 1)}
    labels = {ws.cell(row=r, column=2).value: r for r in range(1, ws.max_row + 1)}
    for qid, value in filled.tagged.items():
        question = audit.question(qid)
        assert question is not None
        ws.cell(row=rows[qid], column=3, value=_typed(value, question.type))
    for fieldname, value in filled.labels.items():
        qtype = "date" if fieldname == COMPLETED_ON else "text"
        ws.cell(row=labels[SIGN_OFF_LABELS[fieldname]], column=3, value=_typed(value, qtype))
    if filled.cases:
        cases = wb[CASES_SHEET]
        head = next(r for r in range(1, 40) if cases.cell(row=r, column=1).value == "Case")
        columns = {cases.cell(row=head, column=c).value: c for c in range(1, cases.max_column + 1)}
        for index, (ref, answers) in filled.cases.items():
            cases.cell(row=head + index, column=2, value=ref)
            for qid, value in answers.items():
                question = audit.question(qid)
                assert question is not None
                cases.cell(
                    row=head + index, column=columns[qid], value=_typed(value, question.type)
                )
    if filled.actions:
        actions = wb[ACTIONS_SHEET]
        head = next(
            r for r in range(1, 40) if actions.cell(row=r, column=1).value == ACTION_HEADERS[0]
        )
        for offset, (action, owner, target_date) in enumerate(filled.actions, start=1):
            actions.cell(row=head + offset, column=1, value=action)
            actions.cell(row=head + offset, column=2, value=owner)
            actions.cell(row=head + offset, column=3, value=_typed(target_date, "date"))
    wb.save(target)
