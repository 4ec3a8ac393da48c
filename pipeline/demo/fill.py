"""Fill qap's own forms the way Word and Excel save them: used by `qap demo` and the round-trip tests.

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
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.definitions import AuditDefinition
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
    if missing:
        raise ValueError(f"{source.name} has no control for {sorted(missing)}")
    members["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)


def _fill_control(sdt: etree._Element, value: str, *, typed_dates: bool) -> None:
    props = sdt.find(f"{W}sdtPr")
    if props is None:
        raise ValueError("a content control without properties")
    for flag in props.findall(f"{W}showingPlcHdr"):
        props.remove(flag)
    shown = value
    listing = props.find(f"{W}dropDownList")
    if listing is not None:
        items = {
            i.get(f"{W}value"): i.get(f"{W}displayText") for i in listing.findall(f"{W}listItem")
        }
        if value not in items:
            raise ValueError(f"{value!r} is not in the drop-down")
        listing.set(f"{W}lastValue", value)
        shown = items[value] or value
    date = props.find(f"{W}date")
    if date is not None and not typed_dates:
        day = dt.date.fromisoformat(value)
        date.set(f"{W}fullDate", f"{day.isoformat()}T00:00:00Z")
        shown = day.strftime("%d/%m/%Y")
    content = sdt.find(f"{W}sdtContent")
    if content is None:
        raise ValueError("a content control without content")
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


def _question_type(audit: AuditDefinition, qid: str) -> str:
    question = audit.question(qid)
    if question is None:
        raise ValueError(f"{audit.id} has no question {qid}")
    return question.type


def _header_row(sheet: Worksheet, first: str) -> int:
    """The row whose first cell reads `first` (the header of a cases or actions table)."""
    for row in range(1, 40):
        if sheet.cell(row=row, column=1).value == first:
            return row
    raise ValueError(f"no {first!r} header row in sheet {sheet.title!r}")


def fill_xlsx(source: Path, target: Path, audit: AuditDefinition, filled: Filled) -> None:
    """Type and pick answers into an Excel form as Excel stores them (real dates and numbers)."""
    wb = load_workbook(source)
    ws = wb[RETURN_SHEET]
    rows = {str(ws.cell(row=r, column=1).value): r for r in range(1, ws.max_row + 1)}
    labels = {ws.cell(row=r, column=2).value: r for r in range(1, ws.max_row + 1)}
    for qid, value in filled.tagged.items():
        ws.cell(row=rows[qid], column=3, value=_typed(value, _question_type(audit, qid)))
    for fieldname, value in filled.labels.items():
        qtype = "date" if fieldname == COMPLETED_ON else "text"
        ws.cell(row=labels[SIGN_OFF_LABELS[fieldname]], column=3, value=_typed(value, qtype))
    if filled.cases:
        cases = wb[CASES_SHEET]
        head = _header_row(cases, "Case")
        columns = {cases.cell(row=head, column=c).value: c for c in range(1, cases.max_column + 1)}
        for index, (ref, answers) in filled.cases.items():
            cases.cell(row=head + index, column=2, value=ref)
            for qid, value in answers.items():
                cases.cell(
                    row=head + index,
                    column=columns[qid],
                    value=_typed(value, _question_type(audit, qid)),
                )
    if filled.actions:
        actions = wb[ACTIONS_SHEET]
        head = _header_row(actions, ACTION_HEADERS[0])
        for offset, (action, owner, target_date) in enumerate(filled.actions, start=1):
            actions.cell(row=head + offset, column=1, value=action)
            actions.cell(row=head + offset, column=2, value=owner)
            actions.cell(row=head + offset, column=3, value=_typed(target_date, "date"))
    wb.save(target)
