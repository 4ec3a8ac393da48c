"""Realistic, seeded answers for the demo's returns: grades spread across the scale, text in each
agency's own words, actions with owners and target dates relative to today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence

from pipeline.definitions import GRADES, RATINGS, AuditDefinition, Question
from pipeline.demo.fill import Filled
from pipeline.demo.texts import (
    CHILDREN,
    DA_AGENCY,
    DOMESTIC_ABUSE,
    GOOD,
    TEEN_PREGNANCY,
    TP_AGENCY,
    WEAK,
    YOUNG_PARENTS,
)
from pipeline.demo.texts_s11 import ACTIONS, S11_ASSURANCE, S11_EVIDENCE, TARGET_DAYS
from pipeline.demo.voices import VOICES, Voice

# How often each grade is the level of a case (Outstanding, Good, RI, Inadequate), by audit:
# the repeat audit is a little better than last year's, so the report has a change to show.
GRADE_WEIGHTS: dict[str, tuple[int, ...]] = {
    "teen-pregnancy-2025": (1, 3, 4, 2),
    "teen-pregnancy-2026": (2, 5, 3, 1),
}
DEFAULT_GRADE_WEIGHTS = (1, 4, 3, 1)
RATING_WEIGHTS = (4, 5, 3, 1)
DA_MARAC = ("Yes", "No", "Not applicable - not assessed as high risk", "Not known")
# Text templates by audit family (the audit id without its year): per case, then per agency.
BANKS: dict[str, tuple[dict[str, dict[str, tuple[str, ...]]], dict[str, tuple[str, ...]]]] = {
    "domestic-abuse": (DOMESTIC_ABUSE, DA_AGENCY),
    "teen-pregnancy": (TEEN_PREGNANCY, TP_AGENCY),
}
# Agencies whose role includes working with the person causing harm directly.
WORKS_WITH_PERPETRATORS = {"police", "probation", "csc", "youth-justice"}


def _rng(*parts: str) -> random.Random:
    """A generator seeded from the parts, so the same audit and agency always get the same answers."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _pick(rng: random.Random, options: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(list(options), weights=list(weights))[0]


def _near(rng: random.Random, level: int, scale: Sequence[str]) -> str:
    """A grade at `level` or one step either side, as graders rarely give one grade throughout."""
    step = rng.choice((0, 0, 0, 1, -1))
    return scale[min(len(scale) - 1, max(0, level + step))]


def _tone(level: int) -> str:
    return GOOD if level <= 1 else WEAK


def _by_tone(rng: random.Random, tone: str, good: Sequence[str], weak: Sequence[str]) -> str:
    return rng.choice(list(good if tone == GOOD else weak))


def _text(templates: Sequence[str], index: int, words: dict[str, str]) -> str:
    return templates[index % len(templates)].format(**words)


class _Writer:
    """Answers for one agency's return to one audit."""

    def __init__(self, audit: AuditDefinition, agency_key: str, today: dt.date) -> None:
        self.audit = audit
        self.agency_key = agency_key
        self.voice: Voice = VOICES[agency_key]
        self.rng = _rng(audit.id, agency_key)
        self.today = today
        self.offset = self.rng.randrange(100)
        self.case_bank, self.agency_bank = BANKS.get(audit.id.rsplit("-", 1)[0], ({}, {}))
        # Section 11 ratings by standard, so each evidence paragraph matches its rating.
        self.ratings: dict[str, str] = {}

    def case_answers(self, index: int) -> tuple[str, dict[str, str]]:
        """A case reference and every per-case answer, consistent with one level of practice."""
        weights = GRADE_WEIGHTS.get(self.audit.id, DEFAULT_GRADE_WEIGHTS)
        level = GRADES.index(_pick(self.rng, GRADES, weights))
        words = dict(self.voice.words())
        person = self.rng.choice(CHILDREN)
        parent = self.rng.choice(YOUNG_PARENTS)
        words.update(child=person, Child=person[0].upper() + person[1:])
        words.update(parent=parent, Parent=parent[0].upper() + parent[1:])
        answers = {
            q.id: self._case_answer(q, level, index, words) for q in self.audit.case_questions()
        }
        ref = f"NS-{self.voice.code}-{self.rng.randrange(100, 9900):04d}"
        return ref, answers

    def _case_answer(self, q: Question, level: int, index: int, words: dict[str, str]) -> str:
        tone = _tone(level)
        if q.type == "grade":
            return _near(self.rng, level, GRADES)
        if q.type == "yesno":
            return "Yes" if tone == GOOD or self.rng.random() < 0.45 else "No"
        if q.type == "yesnopartly":
            return _by_tone(self.rng, tone, ("Yes", "Yes", "Partly"), ("Partly", "No", "No"))
        if q.type == "choice":
            return self._choice(q, tone)
        if q.type == "text":
            templates = self.case_bank.get(q.id, {}).get(tone, ())
            if templates:
                return _text(templates, index + self.offset, words)
            return "See the case record; nothing further to add."
        return self._other(q)

    def _choice(self, q: Question, tone: str) -> str:
        options = q.options
        if tuple(options) == DA_MARAC:
            return _by_tone(self.rng, tone, (options[0], options[2]), (options[1], options[3]))
        if len(options) == 6 and self.agency_key not in WORKS_WITH_PERPETRATORS:
            # Engaging the person causing harm is not every agency's job.
            return options[-1] if self.rng.random() < 0.6 else options[2]
        if len(options) == 6:
            return _by_tone(self.rng, tone, options[:1] * 2 + options[2:3], options[3:5])
        return self.rng.choice(list(options))

    def _other(self, q: Question) -> str:
        if q.type == "date":
            return (self.today - dt.timedelta(days=self.rng.randrange(30, 200))).isoformat()
        if q.type == "number":
            return str(self.rng.randrange(0, 40))
        return self.rng.choice(list(q.options)) if q.options else ""

    def agency_answer(self, q: Question) -> str:
        """One per-agency answer: a rating, an evidence paragraph, a yes/partly/no, a comment."""
        words = self.voice.words()
        if q.type == "rating":
            self.ratings[q.section] = _pick(self.rng, RATINGS[:4], RATING_WEIGHTS)
            return self.ratings[q.section]
        if q.type in ("yesno", "yesnopartly", "grade", "choice"):
            return self.rng.choice(list(q.options[:3]))
        if q.type != "text":
            return self._other(q)
        if self.audit.is_section11:
            return self._section11_text(q, words)
        return _text(self.agency_bank.get(q.id, ("",)), self.offset, words)

    def _section11_text(self, q: Question, words: dict[str, str]) -> str:
        strong, weak = S11_EVIDENCE.get(q.section, ("", ""))
        if q.required:
            rating = self.ratings.get(q.section, RATINGS[1])
            return (strong if rating in RATINGS[:2] else weak).format(**words)
        return _text(S11_ASSURANCE, self.offset + int(q.section), words)

    def actions(self) -> list[tuple[str, str, str]]:
        """One to three actions with owners (roles) and target dates set from today."""
        texts = list(ACTIONS.get(self.audit.id, ()))
        days = TARGET_DAYS.get(self.audit.id, (60,))
        self.rng.shuffle(texts)
        count = self.rng.randint(1, 3)
        return [
            (
                text,
                self.voice.owners[i % len(self.voice.owners)],
                (self.today + dt.timedelta(days=days[(i + self.offset) % len(days)])).isoformat(),
            )
            for i, text in enumerate(texts[:count])
        ]


def demo_filled(
    audit: AuditDefinition, agency_key: str, today: dt.date, *, missing: bool = False
) -> Filled:
    """Every answer one agency gives on its return (some left blank when `missing`)."""
    writer = _Writer(audit, agency_key, today)
    filled = Filled()
    for question in audit.agency_questions():
        answer = writer.agency_answer(question)
        if answer:
            filled.tagged[question.id] = answer
    for index in range(1, audit.cases + 1):
        filled.cases[index] = writer.case_answers(index)
    if audit.actions_table:
        filled.actions = writer.actions()
    filled.labels = {
        "completed_by": writer.voice.completed_by,
        "role": "Audit lead",
        "completed_on": (today - dt.timedelta(days=writer.rng.randint(1, 6))).isoformat(),
    }
    if missing:
        _leave_gaps(audit, filled)
    return filled


def _leave_gaps(audit: AuditDefinition, filled: Filled) -> None:
    """Blank what a return sent in a hurry leaves out: the last case's narrative and the last comment."""
    if filled.cases:
        last = max(filled.cases)
        ref, answers = filled.cases[last]
        texts = {q.id for q in audit.case_questions() if q.type == "text"}
        filled.cases[last] = (ref, {k: v for k, v in answers.items() if k not in texts})
    agency_texts = [q.id for q in audit.agency_questions() if q.type == "text" and q.required]
    if agency_texts:
        filled.tagged.pop(agency_texts[-1], None)
    filled.actions = []
