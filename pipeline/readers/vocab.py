"""The words of returns: question ids, labels ("Agency:"), column headings, case headings, ticks."""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.memo import short_text_cache

QID = re.compile(r"^(?:q(?:uestion)?\.?\s*(?:no\.?\s*)?)?(\d{1,2}(?:\.\d{1,2}){1,2})[.):]?$", re.I)
LEAD_QID = re.compile(
    r"^(?:q(?:uestion)?\.?\s*)?(\d{1,2}(?:\.\d{1,2}){1,2})[.):]?\s+(\S.*)$", re.I | re.S
)
QUESTION_WORD = re.compile(r"\bquestions?\b")
QUESTION_NUMBER = re.compile(r"question (no|number|id|ref)")
CASE = re.compile(r"^case\s*(?:no\.?\s*)?(\d{1,2}|[a-j])\b\s*[:\-–—.)]?\s*(.*)$", re.I | re.S)
BOXES_TICKED = "☒☑⊠"
BOXES_EMPTY = "☐□"
BOX_SPLIT = re.compile(f"([{BOXES_TICKED}{BOXES_EMPTY}])")
MARKS = {"x", "✓", "✔", "✗", "✘", "■", "y", "yes", "☒", "☑", "⊠"}
SPACES = re.compile(r"[\s/()]+")
REF_PREFIX = re.compile(r"^(?:ref(?:erence)?\.?|id)\s*[:\-]?\s*", re.I)

# Column headings of a one-column-per-option layout (the answer is the column marked x).
OPTION_WORDS = {"yes", "no", "partly", "partially", "n a", "not applicable", "not known"}
OPTION_WORDS |= {"outstanding", "good", "requires improvement", "inadequate"}
OPTION_WORDS |= {"fully met", "mostly met", "partially met", "not met"}
LABELS: dict[str, tuple[str, ...]] = {
    "agency": (
        "agency",
        "agency name",
        "name of agency",
        "your agency",
        "partner agency",
        "organisation",
        "organization",
        "organisation name",
        "name of organisation",
        "agency organisation",
    ),
    "audit": (
        "audit",
        "audit title",
        "audit name",
        "name of audit",
        "title of audit",
        "audit topic",
    ),
    "completed_by": (
        "completed by",
        "return completed by",
        "name of person completing",
        "person completing",
        "name of auditor",
        "auditor",
        "your name",
        "name",
    ),
    "role": ("role", "job title", "designation", "position", "role job title", "job role"),
    "completed_on": (
        "date",
        "date completed",
        "completed on",
        "date of completion",
        "completion date",
        "date of return",
        "date submitted",
    ),
    "case_ref": (
        "case reference",
        "case ref",
        "case id",
        "case number",
        "case no",
        "child id",
        "child's id",
        "child reference",
        "child's reference",
        "case identifier",
        "reference",
    ),
}
LABEL_OF = {text: key for key, texts in LABELS.items() for text in texts}

ID_HEADERS = {"no", "number", "q", "q no", "qno", "question no", "question number", "ref"}
ID_HEADERS |= {"id", "#", "item", "qid", "question id", "question ref", "standard no"}
QUESTION_HEADERS: tuple[str, ...] = (
    "question",
    "standard",
    "indicator",
    "criteria",
    "criterion",
    "prompt",
)
ANSWER_HEADERS: tuple[str, ...] = (
    "answer",
    "response",
    "your answer",
    "your response",
    "agency response",
)
ANSWER_HEADERS += ("rating", "grade", "judgement", "self assessment", "reply", "value")
ACTION_HEADERS = ("action", "actions", "action agreed", "agreed action", "what will be done")
OWNER_HEADERS = ("owner", "action owner", "lead", "lead officer", "responsible", "by whom", "who")
TARGET_HEADERS: tuple[str, ...] = (
    "target date",
    "target",
    "by when",
    "due",
    "due date",
    "deadline",
)
TARGET_HEADERS += ("completion date", "timescale", "date due", "target completion date")


@short_text_cache
def norm(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation at the ends and runs of spaces removed."""
    text = text.replace("’", "'").replace("‘", "'").casefold()
    text = SPACES.sub(" ", text)
    return text.strip(" :*.-–?").strip()


def label_key(text: str) -> str | None:
    """The label a cell or paragraph names ("Agency:" -> "agency"), or None."""
    if len(text) > 40:
        return None
    return LABEL_OF.get(norm(text))


def split_label(text: str) -> tuple[str, str] | None:
    """("agency", "Police") from "Agency: Police" in one cell or paragraph, or None."""
    if ":" not in text:
        return None
    left, _, right = text.partition(":")
    key = label_key(left)
    if key is None or not right.strip():
        return None
    return key, resolve_ticks(right.strip())


@short_text_cache
def qid_of(text: str) -> str | None:
    """The question id a cell holds ("Q1.1", "1.1.", "1.1)" -> "1.1"), or None."""
    match = QID.match(text.strip())
    return match.group(1) if match else None


def case_heading(text: str) -> tuple[int, str] | None:
    """(2, "AB123") from "Case 2: AB123" or "Case B", or None."""
    match = CASE.match(text.strip())
    if match is None or len(text) > 60:
        return None
    token = match.group(1).lower()
    index = int(token) if token.isdigit() else ord(token) - ord("a") + 1
    rest = REF_PREFIX.sub("", match.group(2).strip())
    return index, rest.strip(" ()[]")


def resolve_ticks(text: str) -> str:
    """The ticked options of "☒ Yes ☐ No" (or "Yes ☒ No ☐"); text without boxes is unchanged."""
    if not BOX_SPLIT.search(text):
        return text
    parts = BOX_SPLIT.split(text)
    if parts[0].strip():
        pairs = [(parts[i], parts[i - 1]) for i in range(1, len(parts), 2)]
    else:
        pairs = [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]
    ticked = [label.strip(" \t\n:;,/|-") for box, label in pairs if box in BOXES_TICKED]
    return "; ".join(label for label in ticked if label)


class Kind(NamedTuple):
    """What one cell text is, judged once per distinct text: every test a row makes reads it."""

    role: str | None  # the column a heading names ("id", "question", "case"...)
    label: str | None  # label_key: the field a label cell names ("agency")
    qid: str | None  # qid_of: the question id the cell holds
    pair: tuple[str, str] | None  # split_label: ("agency", "Police") from "Agency: Police"
    heading: tuple[int, str] | None  # case_heading: (2, "AB123") from "Case 2: AB123"
    marks: int  # NAMED if it has a role, LABELLED if it has a label or a label pair


# A row's marks are its cells' or'ed: a row none of whose cells is NAMED is no header, and one
# none of whose cells is LABELLED holds no label (most rows are answers, and neither).
NAMED = 1
LABELLED = 2


@short_text_cache  # a table's headings and options repeat from row to row and return to return
def cell_kind(text: str) -> Kind:
    """What a table cell's text is, every judgement a row makes of it, in one memoised call."""
    # One memo call per cell gives every judgement (3-4 separate calls per cell before).
    qid = qid_of(text)
    heading = case_heading(text)
    role, label, pair = _role(text, qid, heading), label_key(text), split_label(text)
    marks = (NAMED if role else 0) | (LABELLED if label or pair else 0)
    return Kind(role, label, qid, pair, heading, marks)


def _role(text: str, qid: str | None, heading: tuple[int, str] | None) -> str | None:
    t = norm(text)
    if not t or len(t) > 40 or qid:
        return None
    if t in ID_HEADERS:
        return "id"
    if t in ("case", "case #", "case no. #"):
        return "case_index"
    if t in LABEL_OF and LABEL_OF[t] == "case_ref":
        return "case_ref"
    if heading is not None and len(t) <= 12:
        return "case"
    if (t.startswith(QUESTION_HEADERS) or QUESTION_WORD.search(t)) and not QUESTION_NUMBER.search(
        t
    ):
        return "question"
    if t.startswith(ANSWER_HEADERS):
        return "answer"
    if t in ACTION_HEADERS or (t.startswith("action") and "owner" not in t and "date" not in t):
        return "action"
    if t in OWNER_HEADERS:
        return "owner"
    if t in TARGET_HEADERS:
        return "target"
    return None
