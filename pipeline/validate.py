"""One answer against its question: options, UK dates, Excel dates and numbers."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.definitions import Question
from pipeline.memo import short_text_cache
from pipeline.model import Answer
from pipeline.text import REPLACEMENT, xml_safe

SPACES = re.compile(r"\s+")
DASH = re.compile(r"\s*[-–—]\s*")
# An answer this long is kept whole, but flagged for a person to look at.
LARGE_ANSWER = 100_000
PLACEHOLDERS = {
    "click or tap here to enter text",
    "click or tap to enter a date",
    "choose an item",
    "enter a number",
    "select",
    "select one",
    "please select",
    "choose an option",
    "select an option",
    "-",
    "--",
}
SHORT_FORMS = {
    "y": "yes",
    "n": "no",
    "true": "yes",
    "false": "no",
    "ri": "requires improvement",
    "req improvement": "requires improvement",
    "req impr": "requires improvement",
    "requires improvment": "requires improvement",
    "n/a": "not applicable",
    "na": "not applicable",
    "n a": "not applicable",
    "partial": "partly",
    "partially": "partly",
    "part": "partly",
    "dk": "not known",
    "unknown": "not known",
    "don't know": "not known",
}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Records an issue: kind, message, question id, case (ReturnIssue's fields).
Issue = Callable[[str, str, str | None, str | None], None]
# Short answers judged per question and remembered ("Yes", dates, counts repeat across returns).
JUDGED_KEPT = 256
NUMBER_WORDS = {"none": "0", "nil": "0", "zero": "0", "no staff": "0"}


@dataclass(frozen=True)
class Checked:
    """A value normalised for its question, and what was wrong ("" when nothing)."""

    value: str | None
    problem: str = ""


@short_text_cache
def is_blank(text: str) -> bool:
    """Whether an answer is empty or a form's placeholder text."""
    key = SPACES.sub(" ", text.strip().casefold()).strip(" .")
    return not key or key in PLACEHOLDERS


def option_key(text: str) -> str:
    """An option compared ignoring case, spacing, dashes and end punctuation."""
    text = text.casefold().replace("&", "and").replace("’", "'")
    text = DASH.sub(" - ", text)
    return SPACES.sub(" ", text).strip(" .;:,")


@functools.lru_cache(maxsize=256)
def _option_keys(options: tuple[str, ...]) -> dict[str, str]:
    # Each question's options are keyed once per process, not once per answer (never mutated).
    return {option_key(option): option for option in options}


def match_option(text: str, options: tuple[str, ...]) -> str | None:
    """The option `text` means ("RI" -> "Requires improvement"), or None."""
    keys = _option_keys(options)
    key = option_key(text)
    if key in keys:
        return keys[key]
    expanded = SHORT_FORMS.get(key) or SHORT_FORMS.get(key.replace(".", "").strip())
    if expanded in keys:
        return keys[expanded]
    stem = expanded or key
    if len(stem) >= 3:
        starting = [option for k, option in keys.items() if k.startswith(stem)]
        if len(starting) == 1:
            return starting[0]
    return None


@short_text_cache
def parse_date(text: str) -> str | None:
    """An ISO date from a UK date (14/02/2022, 14 Feb 2022, 2nd March 2022), ISO or Excel serial."""
    t = text.strip().casefold().replace(",", " ")
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"\s+", " ", t.replace(" of ", " ")).strip()
    try:
        if match := re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][\d:.z+-]*)?$", t):
            return dt.date(*map(int, match.groups())).isoformat()
        if match := re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$", t):
            day, month, year = map(int, match.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day).isoformat()
        if match := re.match(r"^(\d{1,2})[ \-]([a-z]+)\.?[ \-](\d{4})$", t):
            return dt.date(int(match[3]), MONTHS[match[2]], int(match[1])).isoformat()
        if match := re.match(r"^([a-z]+)\.? (\d{1,2}) (\d{4})$", t):
            return dt.date(int(match[3]), MONTHS[match[1]], int(match[2])).isoformat()
        if match := re.match(r"^(\d{5})(?:\.0+)?$", t):
            serial = int(match.group(1))
            if 20_000 <= serial <= 80_000:
                return (EXCEL_EPOCH + dt.timedelta(days=serial)).isoformat()
    except (ValueError, KeyError):
        return None
    return None


def parse_number(text: str) -> str | None:
    """A number as text ("1,204" -> "1204", "3.0" -> "3"), or None."""
    t = text.strip().casefold()
    if t in NUMBER_WORDS:
        return NUMBER_WORDS[t]
    t = re.sub(r"(?<=\d)[, ](?=\d{3}\b)", "", t)
    if not re.match(r"^[-+]?(\d+(\.\d*)?|\.\d+)$", t):
        return None
    value = float(t)
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def check_answer(question: Question, text: str) -> Checked:
    """The normalised value of one answer to `question`, or the problem with it."""
    if is_blank(text):
        return Checked(None)
    if question.categorical:
        option = match_option(text, question.options)
        if option is None:
            choices = ", ".join(question.options)
            return Checked(None, f"the answer is not one of the options ({choices})")
        return Checked(option)
    if question.type == "date":
        iso = parse_date(text)
        return Checked(iso, "" if iso else "the answer could not be read as a date")
    if question.type == "number":
        number = parse_number(text)
        return Checked(number, "" if number is not None else "the answer is not a number")
    return Checked(text.strip())


class Judged(NamedTuple):
    """An answer as recorded: forbidden characters replaced (how many), checked, and the Answer."""

    text: str
    replaced: int
    checked: Checked
    # None for a blank answer, which is checked (a required one is missing) but not recorded.
    answer: Answer | None


def judge(question: Question, raw: str) -> Judged:
    """One answer to `question` made safe for documents, then checked against the question."""
    text, replaced = xml_safe(raw)
    checked = check_answer(question, text)
    answer = None if is_blank(text) else Answer(question.id, checked.value, text)
    return Judged(text, replaced, checked, answer)


def answer_judge(question: Question) -> Callable[[str], Judged]:
    """judge() for one question, remembered for short answers (records are frozen, so shared)."""
    return short_text_cache(functools.partial(judge, question), JUDGED_KEPT)


def flag_text(
    text: str, replaced: int, what: str, issue: Issue, qid: str | None, case: str | None
) -> None:
    """The issues of a text made safe for documents: characters replaced, and very long text."""
    if replaced:
        issue(
            "altered",
            f"The {what} contained characters documents cannot hold; they were replaced with {REPLACEMENT}.",
            qid,
            case,
        )
    if len(text) > LARGE_ANSWER:
        issue(
            "large",
            f"The {what} is very long ({len(text):,} characters); it was kept in full, "
            "but check it is what the agency meant to send.",
            qid,
            case,
        )


def checked_answers(
    questions: tuple[Question, ...],
    given: dict[str, str],
    judges: dict[str, Callable[[str], Judged]],
    issue: Issue,
    case: str | None = None,
) -> tuple[Answer, ...]:
    """The answers given to `questions` (judged by `judges`, by id), with an issue for each problem."""
    out: list[Answer] = []
    prefix = f"Case {case}: q" if case else "Q"
    for question in questions:
        judged = judges[question.id](given.get(question.id, ""))
        if judged.replaced or len(judged.text) > LARGE_ANSWER:
            what = f"answer to question {question.id}"
            flag_text(judged.text, judged.replaced, what, issue, question.id, case)
        checked = judged.checked
        if checked.problem:
            issue(
                "invalid", f"{prefix}uestion {question.id}: {checked.problem}.", question.id, case
            )
        elif checked.value is None and question.required:
            issue("missing", f"{prefix}uestion {question.id} has no answer.", question.id, case)
        if judged.answer is not None:
            out.append(judged.answer)
    return tuple(out)
