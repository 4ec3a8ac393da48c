"""A read return against its audit: rows matched to questions, values normalised, issues listed.

Nothing here rejects a return: missing answers, values outside the options, unreadable dates
and rows that match no question become issues on an accepted return.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pipeline.definitions import AuditDefinition, Question
from pipeline.memo import PerObject, short_text_cache
from pipeline.model import (
    RETURN_FORM,
    UPDATE_FORM,
    Action,
    AuditReturn,
    CaseReturn,
    Identification,
    RawReturn,
    ReturnIssue,
)
from pipeline.text import xml_safe
from pipeline.validate import (
    Judged,
    answer_judge,
    checked_answers,
    flag_text,
    is_blank,
    parse_date,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Reworded questions still score above this; different questions of one audit score below it.
SIMILARITY = 0.75
# Two questions scoring within this of each other are too close to tell apart by text alone.
MARGIN = 0.04
QID = re.compile(r"^(?:q(?:uestion)?\.?\s*)?(\d{1,2}(?:\.\d{1,2}){1,2})[.):]?$", re.I)
SPACES = re.compile(r"\s+")
PUNCTUATION = re.compile(r"[^\w' ]+")
# Definitions in use at once: a catalogue's audits, kept while their files are unchanged.
MATCHERS_KEPT = 64
LEAD_QID = re.compile(r"^(?:q(?:uestion)?\.?\s*)?\d{1,2}(?:\.\d{1,2}){1,2}[.):]?\s+", re.I)
# A form echoing its question where the answer belongs scores above this against the question.
ECHO_SIMILARITY = 0.9


@short_text_cache
def question_key(text: str) -> str:
    """Question text compared without its number, case, punctuation or extra spaces."""
    text = LEAD_QID.sub("", text.strip()).casefold().replace("’", "'")
    return SPACES.sub(" ", PUNCTUATION.sub(" ", text)).strip()


def similarity(a: str, b: str) -> float:
    """How alike two question keys are: the better of character and word overlap."""
    chars = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return max(chars, _word_overlap(a, b))


def _word_overlap(a: str, b: str) -> float:
    words_a, words_b = set(a.split()), set(b.split())
    return len(words_a & words_b) / max(len(words_a), len(words_b), 1)


def _length_bound(a: str, b: str) -> float:
    """difflib's real_quick_ratio (an upper bound of ratio), without building a matcher."""
    total = len(a) + len(b)
    return 2.0 * min(len(a), len(b)) / total if total else 1.0


def _shared_bound(a: str, b: str) -> float:
    """An upper bound of similarity(a, b) from the characters the two share (quick_ratio)."""
    chars = difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio()
    return max(chars, _word_overlap(a, b))


def similar_above(a: str, b: str, threshold: float) -> bool:
    """Whether similarity(a, b) > threshold, without difflib's full count when bounds settle it."""
    if _word_overlap(a, b) > threshold:
        return True
    # Upper bounds of difflib's ratio(), cheapest first (building a matcher indexes b).
    if _length_bound(a, b) <= threshold:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() > threshold and matcher.ratio() > threshold


def best_two(
    target: str, keyed: Sequence[tuple[T, str]], floor: float = 0.0
) -> list[tuple[float, T]]:
    """The two items whose keys are most like `target`, best first, with their similarity.

    Ranked exactly as sorting every similarity would (ties in list order), but a key whose
    upper bound cannot reach second place is never scored; [] when no bound reaches `floor`.
    """
    bounds = sorted(
        (
            (max(_word_overlap(target, key), _length_bound(target, key)), index)
            for index, (_, key) in enumerate(keyed)
        ),
        key=lambda pair: -pair[0],
    )
    if not bounds or bounds[0][0] < floor:
        return []
    if floor > 0 and all(
        _shared_bound(target, keyed[index][1]) < floor for bound, index in bounds if bound >= floor
    ):
        return []  # a tighter bound shows no key reaches the floor
    found: list[tuple[float, int]] = []
    for bound, index in bounds:
        if len(found) >= 2 and bound < found[1][0]:
            break
        found.append((similarity(target, keyed[index][1]), index))
        found.sort(key=lambda pair: (-pair[0], pair[1]))
    return [(score, keyed[index][0]) for score, index in found[:2]]


class QuestionMatcher:
    """Finds the question a row answers: by id first, then by question text."""

    def __init__(self, audit: AuditDefinition) -> None:
        self.audit = audit
        self.keys = [(question, question_key(question.text)) for question in audit.questions]
        self.agency_questions = audit.agency_questions()
        self.case_questions = audit.case_questions()
        # Retyped returns repeat their question texts from one return to the next, and every
        # return of an audit its question ids and many of its answers: each is judged once.
        self.by_text = short_text_cache(self._closest)
        self._by_id = short_text_cache(self._id_question)
        self._by_text_or_id = short_text_cache(self._text_question)
        self.judges: dict[str, Callable[[str], Judged]] = {}
        self.echoes: dict[str, Callable[[str], bool]] = {}
        for question, key in self.keys:
            self.judges[question.id] = answer_judge(question)
            self.echoes[question.id] = short_text_cache(functools.partial(_echoes, key), 256)

    @classmethod
    def of(cls, audit: AuditDefinition) -> QuestionMatcher:
        """The matcher of an audit definition, kept while the definition is in use."""
        return _MATCHERS.get(audit)

    def _closest(self, text: str) -> Question | None:
        """The one question whose text is clearly the closest to `text`, or None (by_text)."""
        key = question_key(text)
        if not key:
            return None
        scored = best_two(key, self.keys, SIMILARITY)
        if not scored or scored[0][0] < SIMILARITY:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
            return None
        return scored[0][1]

    def _id_question(self, qid: str) -> Question | None:
        found = QID.match(qid.strip())
        return self.audit.question(found.group(1)) if found else None

    def _text_question(self, text: str) -> Question | None:
        return self._id_question(text) or self.by_text(text)

    def match(self, qid: str | None, text: str | None) -> Question | None:
        """The question a row answers, or None."""
        if qid:
            question = self._by_id(qid)
            if question is not None:
                return question
        if text:
            return self._by_text_or_id(text)
        return None


@short_text_cache
def _is_qid(key: str) -> bool:
    """Whether a case's column names a question by its id ("2.1") rather than its text."""
    return QID.match(key.strip()) is not None


def _echoes(key: str, answer: str) -> bool:
    """Whether an answer is its question's text (key) again, as a reader may see it on a form."""
    return similar_above(question_key(answer), key, ECHO_SIMILARITY)


_MATCHERS: PerObject[AuditDefinition, QuestionMatcher] = PerObject(QuestionMatcher, MATCHERS_KEPT)


@dataclass
class _Collector:
    """Answers gathered by question id, for the agency and for each case, with the issues met."""

    matcher: QuestionMatcher
    agency: dict[str, str] = field(default_factory=dict)
    cases: dict[int, dict[str, str]] = field(default_factory=dict)
    issues: list[ReturnIssue] = field(default_factory=list)

    def issue(
        self, kind: str, message: str, qid: str | None = None, case: str | None = None
    ) -> None:
        self.issues.append(ReturnIssue(kind, message, qid, case))

    def put(self, question: Question, answer: str, case: int | None) -> None:
        """Record one answer where its question belongs (agency or case)."""
        per_case, blank = question.per_case, is_blank(answer)
        if per_case and case is None:
            case = 1
            if not blank:
                self.issue(
                    "altered",
                    f"Question {question.id} is asked for each case but was answered once; "
                    "the answer was recorded for case 1.",
                    question.id,
                )
        if not per_case:
            case = None
        target = self.agency if case is None else self.cases.setdefault(case, {})
        if target.get(question.id) and not blank:
            if target[question.id].strip() != answer.strip():
                self.issue(
                    "altered",
                    f"Question {question.id} was answered more than once; the first answer was used.",
                    question.id,
                )
            return
        if blank and question.id in target:
            return
        target[question.id] = answer

    def row(
        self, qid: str | None, text: str | None, answer: str, where: str, case: int | None
    ) -> None:
        question = self.matcher.match(qid, text)
        if question is None:
            if not is_blank(answer):
                label = f"{qid} " if qid else ""
                shown = (text or "")[:80]
                place = f" ({where})" if where else ""
                self.issue(
                    "unknown",
                    f"A row{place} matches no question of this audit and was not used: "
                    f"{label}{shown!r}.".replace(" ''", ""),
                    qid,
                )
            return
        if text is None and answer and self.matcher.echoes[question.id](answer):
            answer = ""  # the reader saw the question text where the answer should be
        self.put(question, answer, case)


def normalise_return(
    raw: RawReturn, audit: AuditDefinition, identification: Identification
) -> AuditReturn:
    """Match, normalise and validate a read return against its audit; issues, never rejection."""
    collector = _Collector(QuestionMatcher.of(audit))
    for qid, answer in raw.tagged.items():
        collector.row(qid, None, answer, "", None)
    for row in raw.rows:
        collector.row(row.qid, row.question, row.answer, row.where, None)
    refs: dict[int, str] = {}
    for case in raw.cases:
        refs[case.index] = case.ref
        collector.cases.setdefault(case.index, {})
        where = f"case {case.index}"
        for key, answer in case.answers.items():
            if _is_qid(key):
                collector.row(key, None, answer, where, case.index)
            else:
                collector.row(None, key, answer, where, case.index)
    matcher = collector.matcher
    answers = checked_answers(
        matcher.agency_questions, collector.agency, matcher.judges, collector.issue
    )
    cases = _cases(audit, collector, refs)
    actions = _actions(raw, collector)
    completed_on = _completed_on(raw, collector)
    for flag in identification.flags:
        collector.issue("signature", flag)
    for note in raw.notes:
        collector.issue("altered", note[:1].upper() + note[1:] + ".")
    log.info(
        "normalised %s: %d answers, %d cases, %d issues",
        raw.file_name,
        len(answers),
        len(cases),
        len(collector.issues),
    )
    return AuditReturn(
        audit_id=audit.id,
        agency_key=identification.agency_key,
        identification=identification,
        file_name=raw.file_name,
        style=raw.style,
        answers=answers,
        cases=cases,
        actions=actions,
        updates=raw.updates,
        completed_by=_clean(raw.labels.get("completed_by", ""), collector, "completed by"),
        role=_clean(raw.labels.get("role", ""), collector, "role"),
        completed_on=completed_on,
        issues=tuple(collector.issues),
        kind=raw.identity.kind if raw.identity is not None else RETURN_FORM,
    )


def _clean(
    text: str, collector: _Collector, what: str, qid: str | None = None, case: str | None = None
) -> str:
    """Text with forbidden characters replaced (an issue says so); very long text flagged."""
    cleaned, replaced = xml_safe(text)
    flag_text(cleaned, replaced, what, collector.issue, qid, case)
    return cleaned


def _cases(
    audit: AuditDefinition, collector: _Collector, refs: dict[int, str]
) -> tuple[CaseReturn, ...]:
    questions = collector.matcher.case_questions
    if not questions:
        return ()
    out: list[CaseReturn] = []
    for index in sorted(collector.cases):
        given = collector.cases[index]
        ref = _clean(refs.get(index, ""), collector, f"case {index} reference")
        if not ref and not any(not is_blank(v) for v in given.values()):
            continue
        label = f"{index}" + (f" ({ref})" if ref else "")
        if not ref:
            collector.issue("missing", f"Case {index} has no case reference.", None, label)
        checked = checked_answers(
            questions, given, collector.matcher.judges, collector.issue, label
        )
        out.append(CaseReturn(index, ref, checked))
    if len(out) < audit.cases:
        collector.issue(
            "missing",
            f"The audit asks for {audit.cases} cases; {len(out)} were found in the return.",
        )
    return tuple(out)


def _actions(raw: RawReturn, collector: _Collector) -> tuple[Action, ...]:
    out: list[Action] = []
    for number, action in enumerate(raw.actions, 1):
        text = _clean(action.action, collector, f"action {number}")
        if is_blank(text):
            continue
        target: str | None = None
        if not is_blank(action.target):
            target = parse_date(action.target)
            if target is None:
                collector.issue(
                    "invalid", f"Action {number}: the target date could not be read as a date."
                )
        out.append(
            Action(
                text.strip(),
                _clean(action.owner, collector, f"owner of action {number}").strip(),
                target,
                action.target.strip(),
            )
        )
    return tuple(out)


def _completed_on(raw: RawReturn, collector: _Collector) -> str | None:
    text = raw.labels.get("completed_on", "")
    if is_blank(text):
        return None
    iso = parse_date(text)
    if iso is None:
        collector.issue("invalid", "The date the return was completed could not be read as a date.")
    return iso


def normalise_update(raw: RawReturn, identification: Identification) -> AuditReturn:
    """A progress-update form, stored as read: its rows go to the tracker, not to any audit."""
    issues = () if raw.updates else (ReturnIssue("missing", "No progress updates were filled in."),)
    return AuditReturn(
        audit_id=identification.audit_id,
        agency_key=identification.agency_key,
        identification=identification,
        file_name=raw.file_name,
        style=raw.style,
        updates=raw.updates,
        completed_by=raw.labels.get("completed_by", ""),
        role=raw.labels.get("role", ""),
        issues=issues,
        kind=UPDATE_FORM,
    )
