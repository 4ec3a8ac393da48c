"""Realistic synthetic returns for report tests: N agencies, grades, per-case answers, awkward text."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

from pipeline.config import Partnership, load_partnership
from pipeline.definitions import AuditDefinition, Catalogue, Question, load_catalogue
from pipeline.model import (
    Action,
    Answer,
    AuditReturn,
    CaseReturn,
    Identification,
    ReturnIssue,
    StoredReturn,
)

ROOT = Path(__file__).resolve().parent.parent
RECEIVED = dt.datetime(2027, 1, 20, 9, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 2, 3, 14, 32, tzinfo=dt.UTC)
# Text an agency might really type, plus everything that must come out literally.
TRICKY = (
    'Risk score < 14 & DASH > 10; mother said "he\'ll kill me".\n'
    "Second line: {{ audit.title }} and {% if true %}yes{% endif %} and {_{ b }_} {# c #}\n"
    "Tab\there; bad char \ufffe here; x</w:t></w:r></w:p><w:p><w:r><w:t>INJECTED"
)
TRICKY_CLEAN = TRICKY.replace("\ufffe", "\ufffd")
SENTENCES = (
    "The health visitor recorded the child's presence and shared the DASH with the MARU the same day.",
    "Information was shared promptly at the strategy discussion, and the plan named the child.",
    "Contact with the father was limited; his risk was not assessed until the second incident.",
    "The school was notified through Operation Encompass before the start of the next school day.",
    "Supervision notes show reflective discussion, but actions were not always followed up.",
    "The young person's views were recorded in her own words and shaped the support offered.",
)
WEIGHTS = {
    "grade": (2, 5, 3, 1),
    "rating": (4, 4, 2, 1, 0),
    "yesno": (3, 1),
    "yesnopartly": (3, 2, 1),
}


def sample() -> tuple[Partnership, Catalogue]:
    """The sample workspace's partnership and audit definitions."""
    partnership = load_partnership(ROOT / "qap.toml")
    return partnership, load_catalogue(ROOT / "templates" / "audits", partnership)


def _answer(question: Question, rng: random.Random, text: str) -> str | None:
    if question.type in WEIGHTS:
        return rng.choices(question.options, weights=WEIGHTS[question.type])[0]
    if question.type == "choice":
        return rng.choice(question.options)
    if question.type == "number":
        return str(rng.randint(0, 40))
    if question.type == "date":
        return f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
    return text


def substitute(returns: list[StoredReturn], old: str, new: str) -> list[StoredReturn]:
    """The same returns with every answer `old` replaced by `new`."""

    def swap(answers: tuple[Answer, ...]) -> tuple[Answer, ...]:
        return tuple(replace(a, value=new, raw=new) if a.value == old else a for a in answers)

    return [
        replace(
            s,
            data=replace(
                s.data,
                answers=swap(s.data.answers),
                cases=tuple(replace(c, answers=swap(c.answers)) for c in s.data.cases),
                actions=tuple(
                    replace(a, action=new) if a.action == old else a for a in s.data.actions
                ),
            ),
        )
        for s in returns
    ]


def synthetic_returns(
    audit: AuditDefinition,
    *,
    agencies: tuple[str, ...] | None = None,
    seed: int = 1,
    tricky_agency: int | None = 0,
    received: dt.datetime = RECEIVED,
    first_id: int = 1,
) -> list[StoredReturn]:
    """One current return per agency with answers to every question; agency `tricky_agency` writes TRICKY."""
    rng = random.Random(seed)
    stored = []
    for number, key in enumerate(agencies if agencies is not None else audit.agencies):

        def text(label: str, number: int = number, key: str = key) -> str:
            # Always draw, so the tricky agency does not change the other answers' random stream.
            sentence = f"{rng.choice(SENTENCES)} ({key}, {label})"
            return TRICKY if number == tricky_agency else sentence

        answers = tuple(
            Answer(q.id, value, value or "")
            for q in audit.agency_questions()
            if (value := _answer(q, rng, text(q.id))) is not None
        )
        cases = tuple(
            CaseReturn(
                index=c + 1,
                ref=f"{audit.reference_prefix}-{number + 1}{c + 1:02d}",
                answers=tuple(
                    Answer(q.id, v, v or "")
                    for q in audit.case_questions()
                    if (v := _answer(q, rng, text(f"{q.id} case {c + 1}"))) is not None
                ),
            )
            for c in range(audit.cases)
        )
        issues = (
            (ReturnIssue("invalid", "Answer to 1.1 was 'Maybe', not one of the options.", "1.1"),)
            if number == 1
            else ()
        )
        data = AuditReturn(
            audit_id=audit.id,
            agency_key=key,
            identification=Identification(audit.id, key, "signed form"),
            file_name=f"{key}-{audit.id}.docx",
            style="qap-docx",
            answers=answers,
            cases=cases,
            actions=(
                Action(
                    f"Refresh training on the {audit.title.lower()} pathway for all staff.",
                    "Named nurse",
                    "2027-06-30",
                ),
                Action(text("action"), "Safeguarding lead", None, "end of Q2"),
            ),
            completed_by="A. Person",
            role="Safeguarding lead",
            completed_on="2027-01-19",
            issues=issues,
        )
        at = received + dt.timedelta(hours=number * 7)
        stored.append(StoredReturn(first_id + number, f"{number:064x}", at, True, data))
    return stored
