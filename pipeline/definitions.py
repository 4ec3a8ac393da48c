"""Audit definitions: the audits, sections and questions, loaded from commented TOML files."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Partnership
from pipeline.errors import DefinitionError, UnknownAuditError

log = logging.getLogger(__name__)

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
RATINGS = ("Fully met", "Mostly met", "Partially met", "Not met", "Not applicable")
YES_NO = ("Yes", "No")
YES_NO_PARTLY = ("Yes", "Partly", "No")
FIXED_OPTIONS: dict[str, tuple[str, ...]] = {
    "grade": GRADES,
    "rating": RATINGS,
    "yesno": YES_NO,
    "yesnopartly": YES_NO_PARTLY,
}
QUESTION_TYPES = ("text", "yesno", "yesnopartly", "choice", "grade", "rating", "date", "number")
# Types whose answers are counted in the report (the rest are read as text, dates or numbers).
CATEGORICAL_TYPES = ("yesno", "yesnopartly", "choice", "grade", "rating")
KINDS = ("audit", "section11")


@dataclass(frozen=True)
class Question:
    """One question of an audit, asked once per agency or once per case audited."""

    id: str
    section: str
    text: str
    type: str
    choices: tuple[str, ...] = ()
    required: bool = True
    help: str = ""
    per: str = "agency"

    @property
    def options(self) -> tuple[str, ...]:
        """The allowed answers: the fixed scale of the type, or the choice's options."""
        return FIXED_OPTIONS.get(self.type, self.choices)

    @property
    def per_case(self) -> bool:
        return self.per == "case"

    @property
    def categorical(self) -> bool:
        return self.type in CATEGORICAL_TYPES


@dataclass(frozen=True)
class Section:
    """A section of an audit form."""

    id: str
    title: str
    intro: str = ""


@dataclass(frozen=True)
class AuditDefinition:
    """An audit (or Section 11 self-assessment): what is asked, of whom, by when."""

    id: str
    title: str
    programme: str
    kind: str
    scope: str
    focus: tuple[str, ...]
    period: str
    deadline: dt.date
    agencies: tuple[str, ...]
    cases: int
    repeat_of: str | None
    actions_table: bool
    reference_prefix: str
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    source: Path | None = None

    def question(self, qid: str) -> Question | None:
        """The question with this id, or None."""
        for question in self.questions:
            if question.id == qid:
                return question
        return None

    def questions_in(self, section_id: str) -> tuple[Question, ...]:
        """The questions of one section, in form order."""
        return tuple(q for q in self.questions if q.section == section_id)

    def agency_questions(self) -> tuple[Question, ...]:
        """Questions asked once per agency."""
        return tuple(q for q in self.questions if not q.per_case)

    def case_questions(self) -> tuple[Question, ...]:
        """Questions asked once per case audited."""
        return tuple(q for q in self.questions if q.per_case)

    @property
    def is_section11(self) -> bool:
        return self.kind == "section11"


@dataclass(frozen=True)
class Catalogue:
    """Every audit definition in a workspace, and the files that could not be loaded."""

    audits: tuple[AuditDefinition, ...]
    broken: tuple[DefinitionError, ...] = ()

    def get(self, audit_id: str) -> AuditDefinition:
        """The audit with this id; an unknown id is an error listing the known ones."""
        for audit in self.audits:
            if audit.id == audit_id:
                return audit
        known = ", ".join(a.id for a in self.audits) or "none"
        raise UnknownAuditError(
            f"There is no audit {audit_id!r} in this workspace. Known audits: {known}. "
            "Run `qap audits` to list them."
        )


@dataclass(frozen=True)
class _Loaded:
    """A catalogue as loaded from files with these exact bytes, for this partnership."""

    files: tuple[tuple[Path, bytes], ...]
    partnership: Partnership
    catalogue: Catalogue
    broken_names: tuple[str, ...]


# Every file of a watcher burst or `qap ingest` asks for the catalogue; parsing and checking
# six TOML files is most of that cost, so the last few catalogues are kept per process.
_CACHE_SIZE = 8
_cache: dict[Path, _Loaded] = {}
_cache_lock = threading.Lock()


def load_catalogue(audits_dir: Path, partnership: Partnership) -> Catalogue:
    """Load every *.toml under templates/audits; broken files are kept aside, not fatal."""
    paths = sorted(audits_dir.glob("*.toml"))
    files = tuple((path, path.read_bytes()) for path in paths)
    with _cache_lock:
        hit = _cache.get(audits_dir)
    # Keyed by the files' bytes (a few kB each), so an edit is never missed whatever the clock.
    if hit is not None and hit.files == files and hit.partnership == partnership:
        for name in hit.broken_names:
            log.warning("audit definition %s could not be loaded", name)
        return hit.catalogue
    loaded = _load(paths, partnership)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[audits_dir] = _Loaded(files, partnership, *loaded)
    return loaded[0]


def _load(paths: list[Path], partnership: Partnership) -> tuple[Catalogue, tuple[str, ...]]:
    from pipeline.definition_check import load_definition

    audits: list[AuditDefinition] = []
    broken: list[DefinitionError] = []
    names: list[str] = []
    for path in paths:
        try:
            audits.append(load_definition(path, partnership))
        except DefinitionError as exc:
            log.warning("audit definition %s could not be loaded", path.name)
            broken.append(exc)
            names.append(path.name)
    audits.sort(key=lambda a: (a.deadline, a.id))
    return Catalogue(tuple(audits), tuple(broken)), tuple(names)
