"""The current returns a report is built from, with agency names, and a record of text the report altered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pipeline.config import Partnership
from pipeline.definitions import Question
from pipeline.model import RETURN_FORM, AuditReturn, CaseReturn, StoredReturn
from pipeline.report.text import clean_text


@dataclass(frozen=True)
class Source:
    """One agency's current return, with the full and short names the report shows for the agency."""

    name: str
    short: str
    stored: StoredReturn

    @property
    def data(self) -> AuditReturn:
        return self.stored.data


@dataclass
class Notes:
    """Every place where the report had to replace characters in text from a return."""

    altered: dict[tuple[str, str], int] = field(default_factory=dict)

    def text(self, value: str, agency: str, where: str) -> str:
        """The value cleaned for Word; a replacement is noted with the agency and question, never the text."""
        cleaned, count = clean_text(value)
        if count:
            self.altered[(agency, where)] = count
        return cleaned


def agency_names(partnership: Partnership, key: str) -> tuple[str, str]:
    """An agency's full name and a short name for narrow table columns (its first alias)."""
    agency = partnership.agency(key)
    if agency is None:
        return key, key
    short = agency.aliases[0] if agency.aliases else agency.name
    return agency.name, short


def current_sources(
    audit_id: str,
    agencies: Sequence[str],
    returns: Sequence[StoredReturn],
    partnership: Partnership,
) -> list[Source]:
    """The newest return per agency for one audit, in the order the audit lists its agencies."""
    newest: dict[str, StoredReturn] = {}
    for stored in returns:
        data = stored.data
        if data.audit_id != audit_id or data.kind != RETURN_FORM:
            continue
        held = newest.get(data.agency_key)
        if held is None or (stored.received_at, stored.return_id) > (
            held.received_at,
            held.return_id,
        ):
            newest[data.agency_key] = stored
    order = {key: index for index, key in enumerate(agencies)}
    keys = sorted(newest, key=lambda k: (order.get(k, len(order)), k))
    return [Source(*agency_names(partnership, key), newest[key]) for key in keys]


def case_label(case: CaseReturn) -> str:
    """How a case is named in the report: its reference, else its position on the form."""
    return f"case {case.ref}" if case.ref else f"case {case.index}"


def values(
    question: Question, sources: Sequence[Source]
) -> Iterator[tuple[Source, str, str | None]]:
    """Every answer to a question: (source, case label or "", normalised value or None)."""
    for source in sources:
        if question.per_case:
            for case in source.data.cases:
                yield source, case_label(case), case.value(question.id)
        else:
            yield source, "", source.data.value(question.id)
