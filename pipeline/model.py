"""Plain frozen records passed between the stages: reader -> identify -> normalise -> ledger -> report/tracker.

Nothing here imports python-docx, openpyxl or lxml; readers fill these in, later stages only read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# How a form says what it is: values of FormIdentity.kind.
RETURN_FORM = "return"
UPDATE_FORM = "update"


@dataclass(frozen=True)
class FormIdentity:
    """The identity qap writes invisibly into every form it issues, signed with the workspace key."""

    workspace_id: str
    audit_id: str
    agency_key: str
    form_version: int
    kind: str = RETURN_FORM
    signature: str = ""


@dataclass(frozen=True)
class RawRow:
    """An answer as a reader found it (by question id and/or question text), before matching."""

    qid: str | None
    question: str | None
    answer: str
    where: str = ""


@dataclass(frozen=True)
class RawCase:
    """One case audited: its position on the form, its reference, and raw answers by question id or text."""

    index: int
    ref: str
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawAction:
    """A row of an actions table as typed: action, owner, target date (raw text)."""

    action: str
    owner: str = ""
    target: str = ""


@dataclass(frozen=True)
class RawUpdate:
    """A row of a progress-update form, keyed by tracker Ref."""

    ref: str
    status: str = ""
    progress: str = ""
    evidence: str = ""
    revised_target: str = ""


@dataclass(frozen=True)
class RawReturn:
    """Everything a reader found in one file, before qap decides which audit and agency it is.

    `tagged` holds answers from qap's own forms by question id; `rows` holds answers found in
    tables or sheets of retyped forms; `labels` holds labelled fields such as "agency", "audit",
    "title", "completed_by", "role", "completed_on"; `notes` says what the reader changed or
    distrusted (a formula cell, a replaced character), without answer text.
    """

    file_name: str
    format: str
    style: str
    identity: FormIdentity | None = None
    tagged: dict[str, str] = field(default_factory=dict)
    rows: tuple[RawRow, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    cases: tuple[RawCase, ...] = ()
    actions: tuple[RawAction, ...] = ()
    updates: tuple[RawUpdate, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identification:
    """Which audit and agency a return is, how qap knows, and whether the form's signature held."""

    audit_id: str
    agency_key: str
    method: str
    signature: str = "none"
    tried: tuple[str, ...] = ()
    # What a coordinator should check about the identity (a failed signature, labels that disagree).
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A normalised answer: `value` is the option, ISO date, number or text; `raw` as typed."""

    qid: str
    value: str | None
    raw: str


def _value_of(answers: tuple[Answer, ...], qid: str) -> str | None:
    """The normalised value of the first answer to one question, or None."""
    for answer in answers:
        if answer.qid == qid:
            return answer.value
    return None


@dataclass(frozen=True)
class CaseReturn:
    """One case's answers in a return."""

    index: int
    ref: str
    answers: tuple[Answer, ...] = ()

    def value(self, qid: str) -> str | None:
        """The normalised answer to one question for this case, or None."""
        return _value_of(self.answers, qid)


@dataclass(frozen=True)
class Action:
    """An action an agency proposed, with its target date as an ISO date when it could be read."""

    action: str
    owner: str = ""
    target_date: str | None = None
    target_raw: str = ""


@dataclass(frozen=True)
class ReturnIssue:
    """Something missing or wrong in a return; the return is still accepted."""

    kind: str
    message: str
    qid: str | None = None
    case: str | None = None


@dataclass(frozen=True)
class AuditReturn:
    """A return read, identified, normalised and validated against its audit definition."""

    audit_id: str
    agency_key: str
    identification: Identification
    file_name: str
    style: str
    answers: tuple[Answer, ...] = ()
    cases: tuple[CaseReturn, ...] = ()
    actions: tuple[Action, ...] = ()
    updates: tuple[RawUpdate, ...] = ()
    completed_by: str = ""
    role: str = ""
    completed_on: str | None = None
    issues: tuple[ReturnIssue, ...] = ()
    kind: str = RETURN_FORM

    def value(self, qid: str) -> str | None:
        """The normalised per-agency answer to one question, or None."""
        return _value_of(self.answers, qid)


@dataclass(frozen=True)
class StoredReturn:
    """A return as the ledger holds it: the return plus when and from which file it came."""

    return_id: int
    sha256: str
    received_at: dt.datetime
    current: bool
    data: AuditReturn


@dataclass(frozen=True)
class TrackerItem:
    """A row of the recommendations tracker, as the report and status commands see it."""

    ref: str
    audit_id: str
    source: str
    theme: str
    text: str
    lead_agency: str = ""
    owner: str = ""
    target_date: str | None = None
    status: str = ""
    rag: str = ""
