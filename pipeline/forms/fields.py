"""Where answers sit on qap's forms: content-control tags in Word, headers and labels in Excel.

The writers and the readers of qap's own forms both use these names, so a form qap writes is
read back exactly; other engineers rely on the tag strings, so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass

TAG_PREFIX = "qap:"
COMPLETED_BY = "completed_by"
ROLE = "role"
COMPLETED_ON = "completed_on"
SIGN_OFF_FIELDS = (COMPLETED_BY, ROLE, COMPLETED_ON)
ACTION_FIELDS = ("action", "owner", "target")
# Empty action rows on every form: enough for most returns without crowding the page.
ACTION_ROWS = 6

# Excel: sheet names, header cells and the labels of the sign-off cells.
RETURN_SHEET = "Return"
CASES_SHEET = "Cases"
ACTIONS_SHEET = "Actions"
LISTS_SHEET = "Lists"
RETURN_HEADERS = ("ID", "Question", "Answer", "Guidance")
CASE_HEADERS = ("Case", "Case reference")
ACTION_HEADERS = ("Action", "Owner", "Target date")
SIGN_OFF_LABELS = {COMPLETED_BY: "Completed by", ROLE: "Role", COMPLETED_ON: "Date completed"}

# What a Word control shows before it is filled; the reader treats these as empty too, in
# case an editor keeps the text but drops Word's "showing placeholder" flag.
TEXT_PLACEHOLDER = "Click or tap here to enter text."
NUMBER_PLACEHOLDER = "Enter a number."
CHOICE_PLACEHOLDER = "Choose an item."
DATE_PLACEHOLDER = "Click or tap to enter a date."
PLACEHOLDERS = frozenset(
    {TEXT_PLACEHOLDER, NUMBER_PLACEHOLDER, CHOICE_PLACEHOLDER, DATE_PLACEHOLDER}
)
# How the date picker shows a date (Word's notation), and the same in strftime's.
WORD_DATE_FORMAT = "dd/MM/yyyy"
PY_DATE_FORMAT = "%d/%m/%Y"
EXCEL_DATE_FORMAT = "dd/mm/yyyy"


def question_tag(qid: str) -> str:
    """Tag of the control holding an agency's answer to question `qid`."""
    return f"{TAG_PREFIX}q:{qid}"


def case_tag(index: int, field: str) -> str:
    """Tag of case `index` (1-based): `field` is "ref" or a question id."""
    return f"{TAG_PREFIX}case:{index}:{field}"


def action_tag(index: int, field: str) -> str:
    """Tag of row `index` (1-based) of the actions table: action, owner or target."""
    return f"{TAG_PREFIX}action:{index}:{field}"


def sign_off_tag(field: str) -> str:
    """Tag of a sign-off field: completed_by, role or completed_on."""
    return f"{TAG_PREFIX}{field}"


@dataclass(frozen=True)
class Tag:
    """A parsed tag: `kind` is q, case, action or sign_off; `index` is 0 unless case/action."""

    kind: str
    field: str
    index: int = 0


def parse_tag(tag: str) -> Tag | None:
    """The meaning of a control's tag, or None when it is not one of qap's."""
    if not tag.startswith(TAG_PREFIX):
        return None
    parts = tag[len(TAG_PREFIX) :].split(":", 2)
    if len(parts) == 1 and parts[0] in SIGN_OFF_FIELDS:
        return Tag("sign_off", parts[0])
    if len(parts) == 2 and parts[0] == "q" and parts[1]:
        return Tag("q", parts[1])
    if len(parts) == 3 and parts[0] in ("case", "action") and parts[1].isdigit() and parts[2]:
        index = int(parts[1])
        if index < 1 or (parts[0] == "action" and parts[2] not in ACTION_FIELDS):
            return None
        return Tag(parts[0], parts[2], index)
    return None


def form_file_name(agency_key: str, version: int, suffix: str) -> str:
    """File name of a form: `<agency>.docx` for version 1, `<agency>-v2.docx` after."""
    stem = agency_key if version == 1 else f"{agency_key}-v{version}"
    return f"{stem}.{suffix}"
