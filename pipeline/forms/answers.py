"""Answers found on one of qap's own forms, collected by their place; both form readers use it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.forms.fields import Tag
from pipeline.model import FormIdentity, RawAction, RawCase, RawReturn


@dataclass
class FormAnswers:
    """Answers found on a qap form, gathered field by field; empty answers are left out."""

    tagged: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    case_refs: dict[int, str] = field(default_factory=dict)
    case_answers: dict[int, dict[str, str]] = field(default_factory=dict)
    action_rows: dict[int, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, tag: Tag, value: str) -> None:
        """Record one field's value (ignored when empty)."""
        if not value:
            return
        if tag.kind == "q":
            self.tagged[tag.field] = value
        elif tag.kind == "sign_off":
            self.labels[tag.field] = value
        elif tag.kind == "case" and tag.field == "ref":
            self.case_refs[tag.index] = value
        elif tag.kind == "case":
            self.case_answers.setdefault(tag.index, {})[tag.field] = value
        elif tag.kind == "action":
            self.action_rows.setdefault(tag.index, {})[tag.field] = value

    def note(self, text: str) -> None:
        """Something the reader noticed, never containing answer text."""
        self.notes.append(text)

    def raw_return(
        self, file_name: str, fmt: str, style: str, identity: FormIdentity | None
    ) -> RawReturn:
        """The plain record handed to identify: cases and actions in form order."""
        indexes = sorted(set(self.case_refs) | set(self.case_answers))
        cases = tuple(
            RawCase(i, self.case_refs.get(i, ""), dict(self.case_answers.get(i, {})))
            for i in indexes
        )
        actions = tuple(
            RawAction(row.get("action", ""), row.get("owner", ""), row.get("target", ""))
            for _, row in sorted(self.action_rows.items())
        )
        if identity is None:
            self.note("no qap identity found in the file's properties")
        return RawReturn(
            file_name=file_name,
            format=fmt,
            style=style,
            identity=identity,
            tagged=dict(self.tagged),
            labels=dict(self.labels),
            cases=cases,
            actions=actions,
            notes=tuple(self.notes),
        )
