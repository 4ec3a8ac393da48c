"""Receipts: a plain-text account of each return, for the coordinator to send back to the agency.

A receipt lists every answer qap read and everything missing or wrong, so the agency can check
what was counted. Besides the ledger and the report, it is the one file that holds answer text.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition, Catalogue
from pipeline.errors import UnknownAuditError
from pipeline.model import UPDATE_FORM, Answer, AuditReturn, StoredReturn
from pipeline.store import write_note
from pipeline.text import wrap, xml_safe
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

# Fits a printed A4 page in a monospaced font, and Notepad without scrolling.
WIDTH = 78
# identify's methods, in words an agency understands.
_METHODS = {
    "coordinator": "placed by the Quality Assurance Coordinator",
    "signed form": "from the form qap issued to your agency",
    "labels": "from the audit and agency named on the form",
    "questions": "from the questions answered",
    "file name": "from the file name",
    "form (signature failed)": "from the form's details (its signature did not match)",
}


def receipt_path(workspace: Workspace, stored: StoredReturn) -> Path:
    """Where the receipt of one return goes: outbox/receipts/<audit>/<agency>-<time>.txt."""
    when = stored.received_at.astimezone()
    ret = stored.data
    return (
        workspace.outbox
        / "receipts"
        / ret.audit_id
        / f"{ret.agency_key}-{when:%Y%m%d-%H%M%S}-{stored.sha256[:8]}.txt"
    )


def _date(text: str) -> str:
    try:
        return f"{dt.date.fromisoformat(text):%d %B %Y}"
    except ValueError:
        return text


def _fill(text: str, first: str, rest: str) -> list[str]:
    """One paragraph wrapped to the receipt's width, as textwrap would."""
    return wrap(text, WIDTH, first, rest)


def _wrap(text: str, indent: str, hang: str = "") -> list[str]:
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        lines += _fill(part, indent, indent + hang) or [indent.rstrip()]
    return lines


@functools.lru_cache(maxsize=2048)
def _question_heading(qid: str, text: str, indent: str, hang: str) -> tuple[str, ...]:
    # The same for every receipt of an audit: wrapped once per process.
    return tuple(_wrap(f"{qid}  {text}", indent, hang))


@functools.lru_cache(maxsize=16)
def _closing(email: str) -> tuple[str, ...]:
    # The same for every receipt of a partnership, and long enough to need wrapping.
    contact = f" to {email}" if email else ""
    return tuple(
        _wrap(
            "Please check the answers above. If anything is missing or wrong, correct your return "
            f"and send the whole form again{contact}; the new return will replace this one.",
            "",
        )
    )


def _answer_lines(answer: Answer | None, indent: str) -> list[str]:
    if answer is None or (answer.value is None and not answer.raw.strip()):
        return [f"{indent}Answer: (not answered)"]
    shown = answer.value if answer.value is not None else answer.raw
    # Continuation lines of a long answer sit under its first word, not under "Answer:".
    lines = _wrap(f"Answer: {shown}", indent, " " * 8)
    if (
        answer.value is not None
        and answer.raw.strip()
        and answer.raw.strip() != answer.value.strip()
    ):
        lines += _wrap(f"(as written on the form: {answer.raw.strip()})", indent)
    elif answer.value is None:
        lines += [f"{indent}(qap could not read this as a valid answer)"]
    return lines


def _questions(
    audit: AuditDefinition | None, answers: tuple[Answer, ...], per_case: bool, indent: str
) -> list[str]:
    by_qid = {a.qid: a for a in answers}
    lines: list[str] = []
    if audit is None:
        for answer in answers:
            lines += [f"{indent}{answer.qid}", *_answer_lines(answer, indent + "    ")]
        return lines
    for section in audit.sections:
        questions = [q for q in audit.questions_in(section.id) if q.per_case == per_case]
        if not questions:
            continue
        lines += ["", f"{indent}Section {section.id}: {section.title}"]
        for question in questions:
            hang = " " * (len(question.id) + 2)
            lines += _question_heading(question.id, question.text, indent + "  ", hang)
            lines += _answer_lines(by_qid.get(question.id), indent + "  " + hang)
    known = {q.id for q in audit.questions}
    extra = [a for a in answers if a.qid not in known]
    for answer in extra:
        lines += [f"{indent}  {answer.qid} (not a question of this audit)"]
        lines += _answer_lines(answer, indent + "      ")
    return lines


def _issues(ret: AuditReturn) -> list[str]:
    if not ret.issues:
        return ["  Nothing: every required answer was there and could be read. Thank you."]
    lines: list[str] = []
    for number, issue in enumerate(ret.issues, 1):
        said = issue.message.casefold()
        # Name the case and question only where the message does not already say them.
        where = [
            f"{label} {value}"
            for label, value in (("case", issue.case), ("question", issue.qid))
            if value and value.casefold() not in said
        ]
        prefix = f"{number}. " + (f"[{', '.join(where)}] " if where else "")
        lines += _fill(prefix + issue.message, "  ", "     ")
    return lines


def _body(ret: AuditReturn, audit: AuditDefinition | None) -> list[str]:
    lines: list[str] = []
    if ret.kind == UPDATE_FORM:
        lines += ["", "PROGRESS UPDATES"]
        for update in ret.updates:
            lines += [f"  {update.ref}: status {update.status or '(blank)'}"]
            for label, text in (
                ("Progress", update.progress),
                ("Evidence", update.evidence),
                ("Revised target", update.revised_target),
            ):
                if text:
                    lines += _wrap(f"{label}: {text}", "      ")
        return lines
    lines += ["", "ANSWERS FOR YOUR AGENCY", *_questions(audit, ret.answers, False, "  ")]
    for case in ret.cases:
        lines += ["", f"CASE {case.index}" + (f" (reference {case.ref})" if case.ref else "")]
        lines += _questions(audit, case.answers, True, "  ")
    if ret.actions:
        lines += ["", "ACTIONS YOUR AGENCY PROPOSED"]
        for number, action in enumerate(ret.actions, 1):
            lines += _wrap(f"{number}. {action.action}", "  ")
            target = (
                _date(action.target_date) if action.target_date else action.target_raw
            ) or "(no target date)"
            lines += [f"     Owner: {action.owner or '(none given)'}; target: {target}"]
    return lines


def render_receipt(
    stored: StoredReturn,
    partnership: Partnership,
    audit: AuditDefinition | None,
    replaced_at: dt.datetime | None = None,
) -> str:
    """The text of one receipt."""
    ret = stored.data
    agency = partnership.agency(ret.agency_key)
    when = stored.received_at.astimezone()
    title = f"{audit.title} ({ret.audit_id})" if audit else ret.audit_id
    ident = ret.identification
    how = _METHODS.get(ident.method, ident.method)
    if ident.signature != "none":
        how += f" (signature {ident.signature})"
    count = len(ret.issues)
    status = "Accepted" if not count else f"Accepted with {count} issue{'s' * (count != 1)}"
    lines = [
        partnership.name,
        "Receipt for an audit return",
        "=" * 27,
        "",
        f"Audit:         {title}",
        f"Agency:        {agency.name if agency else ret.agency_key}",
        f"File:          {ret.file_name}",
        f"Received:      {when:%d %B %Y, %H:%M}",
    ]
    if ret.completed_by or ret.role or ret.completed_on:
        who = ", ".join(p for p in (ret.completed_by, ret.role) if p) or "(name not given)"
        on = f", on {_date(ret.completed_on)}" if ret.completed_on else ""
        lines.append(f"Completed by:  {who}{on}")
    lines += [f"Identified:    {how}", f"Status:        {status}"]
    if replaced_at is not None:
        earlier = replaced_at.astimezone()
        lines.append(f"               (replaces the return received {earlier:%d %B %Y, %H:%M})")
    lines += ["", "WHAT WAS MISSING OR WRONG", *_issues(ret), *_body(ret, audit), ""]
    lines += _closing(partnership.return_email)
    # A text file cannot hold lone surrogates and editors show the other XML-illegal characters
    # as garbage. Replaced visibly, never dropped: the ledger keeps the answer exactly as read.
    return xml_safe("\n".join(lines) + "\n")[0]


def write_receipt(
    workspace: Workspace,
    stored: StoredReturn,
    partnership: Partnership,
    catalogue: Catalogue,
    replaced_at: dt.datetime | None = None,
) -> Path:
    """Write (or rewrite, after a crash) the receipt of one return and return its path."""
    try:
        audit: AuditDefinition | None = catalogue.get(stored.data.audit_id)
    except UnknownAuditError:
        audit = None
    path = receipt_path(workspace, stored)
    write_note(path, render_receipt(stored, partnership, audit, replaced_at))
    log.info("receipt written for %s", stored.sha256[:12])
    return path
