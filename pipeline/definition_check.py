"""Reading one audit definition file and checking it, each problem naming its line and the fix."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from pipeline.config import Partnership
from pipeline.definitions import KINDS, QUESTION_TYPES, AuditDefinition, Question, Section
from pipeline.errors import DefinitionError
from pipeline.workspace import Workspace

AUDIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUESTION_ID = re.compile(r"^\d+(\.\d+)+$")
REQUIRED_KEYS = ("id", "title", "programme", "deadline", "agencies")


class _Lines:
    """Finds the line a key sits on, since tomllib reports none once a file parses."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, name: str, index: int) -> int:
        """Line number (1-based) of the index-th [[name]] header, or 1."""
        seen = -1
        for number, line in enumerate(self.lines, 1):
            if line.strip().startswith(f"[[{name}]]"):
                seen += 1
                if seen == index:
                    return number
        return 1

    def key(self, name: str, key: str, index: int | None = None) -> int:
        """Line of `key = ...` at top level (index None) or inside the index-th [[name]] table."""
        start = 0 if index is None else self.table(name, index)
        for number in range(start + 1 if index is not None else 1, len(self.lines) + 1):
            line = self.lines[number - 1].strip()
            if index is None and line.startswith("["):
                break
            if index is not None and line.startswith("[") and number > start:
                break
            if re.match(rf"{re.escape(key)}\s*=", line):
                return number
        return start or 1


def load_definition(path: Path, partnership: Partnership) -> AuditDefinition:
    """Load and check one definition; raise DefinitionError listing every problem."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(
            f"{path}: not valid TOML ({exc}).",
            ("Check the quotes, brackets and = signs on that line.",),
        ) from None
    problems = _problems(path, data, _Lines(text), partnership)
    if problems:
        raise DefinitionError(f"{path}: {len(problems)} problem(s) found.", tuple(problems))
    return _build(path, data)


def _problems(path: Path, data: dict[str, Any], at: _Lines, partnership: Partnership) -> list[str]:
    out: list[str] = []

    def say(line: int, message: str) -> None:
        out.append(f"line {line}: {message}")

    for key in REQUIRED_KEYS:
        if key not in data:
            say(
                1,
                f"missing {key} = ... at the top of the file; add it before the first [[sections]].",
            )
    audit_id = str(data.get("id", ""))
    if audit_id and not AUDIT_ID.match(audit_id):
        say(at.key("", "id"), f"id {audit_id!r} must be lowercase letters, digits and hyphens.")
    if audit_id and audit_id != path.stem:
        say(
            at.key("", "id"),
            f"id {audit_id!r} should match the file name; rename the file to {audit_id}.toml.",
        )
    if "deadline" in data and not isinstance(data["deadline"], dt.date):
        say(at.key("", "deadline"), "deadline must be a date written like 2026-12-18 (no quotes).")
    kind = data.get("kind", "audit")
    if kind not in KINDS:
        say(at.key("", "kind"), f"kind {kind!r} is not known; use one of: {', '.join(KINDS)}.")
    known_agencies = set(partnership.agency_keys())
    for key in data.get("agencies", []):
        if key not in known_agencies:
            say(
                at.key("", "agencies"),
                f"agency {key!r} is not in qap.toml; add it there or use one of: "
                f"{', '.join(sorted(known_agencies))}.",
            )
    cases = data.get("cases", 0)
    if not isinstance(cases, int) or cases < 0:
        say(
            at.key("", "cases"), "cases must be a whole number (how many cases each agency audits)."
        )
        cases = 0
    section_ids: set[str] = set()
    for i, raw in enumerate(data.get("sections", [])):
        line = at.table("sections", i)
        if not isinstance(raw, dict) or "id" not in raw or "title" not in raw:
            say(line, "a [[sections]] table needs both id and title.")
            continue
        sid = str(raw["id"])
        if sid in section_ids:
            say(
                at.key("sections", "id", i),
                f"section id {sid!r} is used twice; give each section its own id.",
            )
        section_ids.add(sid)
    if not data.get("questions"):
        say(1, "no [[questions]] found; an audit needs at least one question.")
    question_ids: set[str] = set()
    for i, raw in enumerate(data.get("questions", [])):
        out.extend(_question_problems(at, i, raw, section_ids, question_ids, cases))
    return out


def _question_problems(
    at: _Lines, i: int, raw: dict[str, Any], section_ids: set[str], seen: set[str], cases: int
) -> list[str]:
    out: list[str] = []

    def say(key: str, message: str) -> None:
        out.append(f"line {at.key('questions', key, i)}: {message}")

    for key in ("id", "section", "text", "type"):
        if key not in raw:
            out.append(
                f"line {at.table('questions', i)}: question number {i + 1} has no {key}; add {key} = ..."
            )
    qid = str(raw.get("id", ""))
    if qid and not QUESTION_ID.match(qid):
        say(
            "id",
            f'question id {qid!r} must look like "2.1" (section number, dot, question number), in quotes.',
        )
    if qid in seen:
        say("id", f"question id {qid!r} is used twice; give each question its own id.")
    seen.add(qid)
    if "section" in raw and str(raw["section"]) not in section_ids:
        say(
            "section",
            f"section {raw['section']!r} is not defined; add a [[sections]] with that id.",
        )
    qtype = raw.get("type")
    if qtype is not None and qtype not in QUESTION_TYPES:
        say("type", f"type {qtype!r} is not known; use one of: {', '.join(QUESTION_TYPES)}.")
    if qtype == "choice" and not raw.get("options"):
        say("type", 'a choice question needs options = ["...", "..."] listing the answers.')
    if "options" in raw and qtype != "choice":
        say(
            "options",
            f'options are only for type = "choice"; {qtype} has a fixed scale, remove options.',
        )
    per = raw.get("per", "agency")
    if per not in ("agency", "case"):
        say("per", f'per {per!r} is not known; use "agency" or "case".')
    if per == "case" and cases < 1:
        say(
            "per",
            "a per-case question needs cases = N (how many cases each agency audits) at the top.",
        )
    if "required" in raw and not isinstance(raw["required"], bool):
        say("required", "required must be true or false (no quotes).")
    return out


def _build(path: Path, data: dict[str, Any]) -> AuditDefinition:
    sections = tuple(
        Section(id=str(s["id"]), title=str(s["title"]), intro=str(s.get("intro", "")))
        for s in data.get("sections", [])
    )
    questions = tuple(
        Question(
            id=str(q["id"]),
            section=str(q["section"]),
            text=str(q["text"]).strip(),
            type=str(q["type"]),
            choices=tuple(str(o) for o in q.get("options", [])),
            required=bool(q.get("required", True)),
            help=str(q.get("help", "")).strip(),
            per=str(q.get("per", "agency")),
        )
        for q in data.get("questions", [])
    )
    deadline = data["deadline"]
    if isinstance(deadline, dt.datetime):
        deadline = deadline.date()
    return AuditDefinition(
        id=str(data["id"]),
        title=str(data["title"]),
        programme=str(data["programme"]),
        kind=str(data.get("kind", "audit")),
        scope=str(data.get("scope", "")).strip(),
        focus=tuple(str(f) for f in data.get("focus", [])),
        period=str(data.get("period", "")),
        deadline=deadline,
        agencies=tuple(str(a) for a in data["agencies"]),
        cases=int(data.get("cases", 0)),
        repeat_of=str(data["repeat_of"]) if data.get("repeat_of") else None,
        actions_table=bool(data.get("actions_table", False)),
        reference_prefix=str(data.get("reference_prefix", "")) or str(data["id"])[:4].upper(),
        sections=sections,
        questions=questions,
        source=path,
    )


def check_definition_file(path: Path, workspace: Workspace) -> AuditDefinition:
    """Check one definition against the workspace: its agencies, and the audit it repeats."""
    audit = load_definition(path, workspace.partnership())
    if audit.repeat_of:
        earlier = path.parent / f"{audit.repeat_of}.toml"
        if not earlier.is_file() and not (workspace.audits_dir / earlier.name).is_file():
            text = _Lines(path.read_text(encoding="utf-8-sig"))
            raise DefinitionError(
                f"{path}: 1 problem(s) found.",
                (
                    f"line {text.key('', 'repeat_of')}: repeat_of {audit.repeat_of!r} names no audit; "
                    f"add {earlier.name} to {workspace.audits_dir} or correct the id.",
                ),
            )
    return audit
