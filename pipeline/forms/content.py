"""What a return form says, worked out once for both the Word and the Excel writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.config import Agency, Partnership
from pipeline.definitions import AuditDefinition, Question, Section
from pipeline.model import FormIdentity

MARKING = "OFFICIAL-SENSITIVE"
# Per-case questions go into tables of at most this many question columns, so each column stays
# wide enough to write in on portrait A4.
CASE_COLUMNS_PER_TABLE = 3


# A block of a section: one per-agency question, or a run of per-case questions as one table.
Block = Question | tuple[Question, ...]


@dataclass(frozen=True)
class SectionPlan:
    """A section of the form: its questions in definition order, per-case runs grouped."""

    section: Section
    blocks: tuple[Block, ...]

    @property
    def heading(self) -> str:
        """The section heading as printed, e.g. '1. Identification'."""
        return f"{self.section.id}. {self.section.title}"

    @property
    def agency_questions(self) -> tuple[Question, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Question))

    @property
    def case_questions(self) -> tuple[Question, ...]:
        return tuple(q for b in self.blocks if isinstance(b, tuple) for q in b)


@dataclass(frozen=True)
class FormContent:
    """Every text and field of one agency's return form, independent of Word or Excel."""

    audit: AuditDefinition
    partnership: Partnership
    agency: Agency
    identity: FormIdentity
    sections: tuple[SectionPlan, ...]

    @property
    def partnership_name(self) -> str:
        return self.partnership.name

    @property
    def short_name(self) -> str:
        return self.partnership.short_name or self.partnership.name

    @property
    def title(self) -> str:
        return self.audit.title

    @property
    def deadline_text(self) -> str:
        """The deadline written out, e.g. 'Friday 29 January 2027'."""
        return long_date(self.audit.deadline)

    @property
    def version_text(self) -> str:
        return f"Form version {self.identity.form_version}"

    @property
    def has_cases(self) -> bool:
        return self.audit.cases > 0 and bool(self.audit.case_questions())

    @property
    def header_text(self) -> str:
        """The running header beside the security marking."""
        return f"{self.short_name} | {self.audit.title}"

    def footer_text(self) -> str:
        """Who the form is for and which version, for the running footer."""
        return f"Return form for {self.agency.name} | {self.version_text}"

    def about(self) -> list[tuple[str, str]]:
        """Label and value pairs of the audit's details, for the box at the top of the form."""
        pairs = [
            ("Agency", self.agency.name),
            ("Audit", self.audit.title),
            ("Period audited", self.audit.period),
            ("Return by", self.deadline_text),
            ("Return to", self.partnership.return_email or self.partnership.coordinator),
        ]
        if self.has_cases:
            pairs.insert(3, ("Cases to audit", str(self.audit.cases)))
        return [(label, value) for label, value in pairs if value]

    def instructions(self, fmt: str) -> list[str]:
        """How to complete and return the form; `fmt` is "docx" or "xlsx"."""
        where = (
            "Type in the shaded fields; where a field offers a list, choose from it."
            if fmt == "docx"
            else "Type only in the shaded cells; where a cell offers a list, choose from it. "
            "The other cells are protected so the form is not changed by accident."
        )
        steps = [
            f"This form is for {self.agency.name} only. Please do not forward it to another "
            "agency: each agency has its own form, and qap reads it automatically.",
            where + " Please do not rename, move or delete fields, sheets or tables.",
        ]
        if self.has_cases:
            sheet = "the Cases sheet" if fmt == "xlsx" else "the case tables"
            steps.append(
                f"Audit {self.audit.cases} cases. In {sheet}, give each case your agency's "
                "record reference only: do not write children's or family members' names."
            )
        if self.audit.actions_table:
            steps.append(
                "List the actions your agency will take as a result of this audit, with an "
                "owner (a role, not a name) and a target date."
            )
        email = self.partnership.return_email
        send = f"email it to {email}" if email else f"send it to the {self.partnership.coordinator}"
        kind = "Word document (.docx)" if fmt == "docx" else "Excel workbook (.xlsx)"
        steps.append(
            f"Save the completed form as a {kind} and {send} by {self.deadline_text}. "
            "Mark the email OFFICIAL-SENSITIVE and send it from a secure account."
        )
        if self.partnership.coordinator:
            steps.append(f"Questions about the audit: contact the {self.partnership.coordinator}.")
        return steps


def question_label(question: Question) -> str:
    """The question as printed, marked when it may be left blank."""
    return question.text if question.required else f"{question.text} (optional)"


def long_date(day: dt.date) -> str:
    """A date as people write it on a letter: 'Friday 29 January 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def build_content(
    audit: AuditDefinition, partnership: Partnership, agency: Agency, identity: FormIdentity
) -> FormContent:
    """Plan one agency's form: sections and questions in definition order."""
    plans = []
    for section in audit.sections:
        questions = audit.questions_in(section.id)
        if questions:
            plans.append(SectionPlan(section, _blocks(questions, with_cases=audit.cases > 0)))
    return FormContent(audit, partnership, agency, identity, tuple(plans))


def _blocks(questions: tuple[Question, ...], *, with_cases: bool) -> tuple[Block, ...]:
    """Per-agency questions alone; consecutive per-case ones in tables of a few columns."""
    blocks: list[Block] = []
    run: list[Question] = []
    for question in (*questions, None):
        if question is not None and question.per_case and with_cases:
            run.append(question)
            continue
        blocks.extend(_balanced(run))
        run = []
        if question is not None and not question.per_case:
            blocks.append(question)
    return tuple(blocks)


def _balanced(run: list[Question]) -> list[tuple[Question, ...]]:
    """Split a run of per-case questions into tables of nearly equal width (5 -> 3 + 2)."""
    if not run:
        return []
    tables = -(-len(run) // CASE_COLUMNS_PER_TABLE)
    size = -(-len(run) // tables)
    return [tuple(run[i : i + size]) for i in range(0, len(run), size)]
