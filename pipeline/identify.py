"""Which audit and agency a return is: signed identity, labels, the questions answered, file name."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.config import Agency, Partnership
from pipeline.definitions import AuditDefinition, Catalogue
from pipeline.errors import ReturnRejected, UnidentifiedReturn, UnknownAuditError
from pipeline.forms.identity import verify_identity
from pipeline.memo import PerObject, short_text_cache
from pipeline.model import FormIdentity, Identification, RawReturn
from pipeline.normalise import QID, QuestionMatcher, best_two

log = logging.getLogger(__name__)

# Methods, from most to least trusted; a mixed identification reports the weaker one.
METHODS = (
    "coordinator",
    "signed form",
    "labels",
    "questions",
    "file name",
    "form (signature failed)",
)
TITLE_SIMILARITY = 0.8
# The audit whose questions a return answers must answer more of them than any other, or
# (answering as many) cover a clearly larger share of it, and at least this many.
QUESTION_MARGIN = 0.15
QUESTION_FLOOR = 2
WORD = re.compile(r"[a-z0-9]+")
# Catalogues and partnerships in use at once (see match_audit_title, match_agency).
CATALOGUES_KEPT = 8


@short_text_cache
def words(text: str) -> str:
    """Text as lower-case words separated by single spaces ("Children's  Social-Care" -> ...)."""
    text = text.casefold().replace("’", "'").replace("'", "").replace("&", " and ")
    return " ".join(WORD.findall(text))


@dataclass
class _Search:
    """The evidence found for audit and agency, and what was tried."""

    audit: tuple[str, str] | None = None
    agency: tuple[str, str] | None = None
    tried: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def audit_from(
        self, what: str, audit: AuditDefinition | None, method: str, none: str = "no match"
    ) -> None:
        """Record what one piece of evidence said about the audit; use it if none is known yet."""
        self.tried.append(f"{what}: {'matched ' + audit.id if audit else none}")
        if audit is not None and self.audit is None:
            self.audit = (audit.id, method)

    def agency_from(self, what: str, agency: Agency | None, method: str) -> None:
        """Record what one piece of evidence said about the agency; use it if none is known yet."""
        self.tried.append(f"{what}: {'matched ' + agency.key if agency else 'no match'}")
        if agency is not None and self.agency is None:
            self.agency = (agency.key, method)


def match_agency(text: str, partnership: Partnership) -> Agency | None:
    """The agency a name or phrase refers to: exact name/alias, else the longest whole-word alias."""
    return _AGENCY_NAMES.get(partnership).match(text)


class _AgencyNames:
    """A partnership's agency names as words, made once; labels and title lines judged once."""

    def __init__(self, partnership: Partnership) -> None:
        self.exact: dict[str, Agency] = {}
        self.names: list[tuple[Agency, tuple[str, ...]]] = []
        for agency in partnership.agencies:
            named = tuple(words(name) for name in agency.names())
            for name in named:
                self.exact.setdefault(name, agency)  # the first agency listed wins, as before
            self.names.append((agency, tuple(name for name in named if name)))
        self.match = short_text_cache(self._match)

    def _match(self, text: str) -> Agency | None:
        target = words(text)
        if not target:
            return None
        if target in self.exact:
            return self.exact[target]
        best: list[tuple[int, Agency]] = []
        padded = f" {target} "
        for agency, names in self.names:
            lengths = [len(name) for name in names if f" {name} " in padded]
            if lengths:
                best.append((max(lengths), agency))
        best.sort(key=lambda pair: -pair[0])
        if best and (len(best) == 1 or best[0][0] > best[1][0]):
            return best[0][1]
        return None


_AGENCY_NAMES: PerObject[Partnership, _AgencyNames] = PerObject(_AgencyNames, CATALOGUES_KEPT)


def match_audit_title(text: str, catalogue: Catalogue) -> AuditDefinition | None:
    """The audit a title or label names: its id, exact title, or one clearly similar title."""
    # Returns of one template carry the same title lines: each is judged once per catalogue.
    match_line = _TITLE_LINES.get(catalogue)
    for line in text.splitlines():
        audit = match_line(line)
        if audit is not None:
            return audit
    return None


def _match_title_line(line: str, catalogue: Catalogue) -> AuditDefinition | None:
    target = words(line)
    if not target:
        return None
    for audit in catalogue.audits:
        if target in (words(audit.id), words(audit.title)):
            return audit
    years = set(re.findall(r"\b20\d\d\b", line))
    titles = [
        (audit, words(audit.title))
        for audit in catalogue.audits
        if not years or years & set(re.findall(r"20\d\d", audit.id + audit.programme))
    ]
    scored = best_two(target, titles, TITLE_SIMILARITY)
    clear = len(titles) == 1 or (len(scored) > 1 and scored[0][0] - scored[1][0] >= 0.05)
    if scored and scored[0][0] >= TITLE_SIMILARITY and clear:
        return scored[0][1]
    return None


_TITLE_LINES: PerObject[Catalogue, Callable[[str], AuditDefinition | None]] = PerObject(
    lambda catalogue: short_text_cache(lambda line: _match_title_line(line, catalogue)),
    CATALOGUES_KEPT,
)


def match_audit_by_questions(raw: RawReturn, catalogue: Catalogue) -> AuditDefinition | None:
    """The audit whose questions the return clearly answers best, or None."""
    texts = [row.question for row in raw.rows if row.question]
    texts += [key for case in raw.cases for key in case.answers if not QID.match(key)]
    ids = {row.qid for row in raw.rows if row.qid} | set(raw.tagged)
    ids |= {key for case in raw.cases for key in case.answers if QID.match(key)}
    if not texts and not ids:
        return None
    scored = []
    for audit in catalogue.audits:
        matcher = QuestionMatcher.of(audit)
        if texts:
            hits = sum(1 for text in texts if matcher.by_text(text) is not None)
        else:
            hits = sum(1 for qid in ids if audit.question(qid) is not None)
        scored.append((hits, hits / len(audit.questions), audit))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    hits, coverage, audit = scored[0]
    if hits < QUESTION_FLOOR:
        return None
    if len(scored) == 1 or hits > scored[1][0] or coverage - scored[1][1] >= QUESTION_MARGIN:
        return audit
    return None


def _file_name_audit(stem: str, catalogue: Catalogue) -> AuditDefinition | None:
    target = f" {words(stem)} "
    found = [a for a in catalogue.audits if f" {words(a.id)} " in target]
    if len(found) == 1:
        return found[0]
    years = set(re.findall(r"20\d\d", stem))
    loose = []
    for audit in catalogue.audits:
        base = words(re.sub(r"-?20\d\d$", "", audit.id))
        if base and f" {base} " in target and (not years or years & {audit.id[-4:]}):
            loose.append(audit)
    return loose[0] if len(loose) == 1 else None


def identify_return(
    raw: RawReturn,
    partnership: Partnership,
    catalogue: Catalogue,
    *,
    key: bytes,
    workspace_id: str,
    audit_id: str | None = None,
    agency_key: str | None = None,
) -> Identification:
    """Which audit and agency `raw` is, and how qap knows; UnidentifiedReturn when it cannot tell."""
    search = _Search()
    signature = "none"
    unverified: FormIdentity | None = None
    if audit_id is not None:
        search.audit = (catalogue.get(audit_id).id, "coordinator")
    if agency_key is not None:
        if partnership.agency(agency_key) is None:
            known = ", ".join(partnership.agency_keys())
            raise UnknownAuditError(
                f"There is no agency {agency_key!r} in qap.toml. Known agencies: {known}."
            )
        search.agency = (agency_key, "coordinator")
    if raw.identity is not None:
        signature, unverified = _signed(
            raw.identity, partnership, catalogue, key, workspace_id, search
        )
    _from_labels(raw, partnership, catalogue, search)
    if search.audit is None:
        by_questions = match_audit_by_questions(raw, catalogue)
        search.audit_from("questions answered", by_questions, "questions", "no clear match")
    _from_file_name(raw, partnership, catalogue, search)
    if unverified is not None:
        if search.audit is None and catalogue_has(catalogue, unverified.audit_id):
            search.audit = (unverified.audit_id, "form (signature failed)")
        if search.agency is None and partnership.agency(unverified.agency_key) is not None:
            search.agency = (unverified.agency_key, "form (signature failed)")
    if search.audit is None or search.agency is None:
        missing = " and ".join(
            what
            for what, got in (("audit", search.audit), ("agency", search.agency))
            if got is None
        )
        log.info("could not identify %s (%s)", raw.file_name, missing)
        raise UnidentifiedReturn(
            f"qap could not tell which {missing} this return is for.",
            "Tried: " + "; ".join(search.tried) + ". Name them with "
            "`qap ingest --audit ID --agency KEY FILE`.",
            tried=tuple(search.tried),
        )
    methods = {search.audit[1], search.agency[1]}
    method = "coordinator" if "coordinator" in methods else max(methods, key=METHODS.index)
    audit = catalogue.get(search.audit[0])
    if search.agency[0] not in audit.agencies:
        search.flags.append(
            f"Agency {search.agency[0]} is not listed as taking part in {audit.id}; check the return."
        )
    log.info("identified %s by %s", raw.file_name, method)
    return Identification(
        audit_id=search.audit[0],
        agency_key=search.agency[0],
        method=method,
        signature=signature,
        tried=tuple(search.tried),
        flags=tuple(search.flags),
    )


def catalogue_has(catalogue: Catalogue, audit_id: str) -> bool:
    """Whether the catalogue has an audit with this id."""
    return any(audit.id == audit_id for audit in catalogue.audits)


def _signed(
    identity: FormIdentity,
    partnership: Partnership,
    catalogue: Catalogue,
    key: bytes,
    workspace_id: str,
    search: _Search,
) -> tuple[str, FormIdentity | None]:
    """Use a form's identity when its signature holds; otherwise flag it and keep looking."""
    known = catalogue_has(catalogue, identity.audit_id) and partnership.agency(identity.agency_key)
    if verify_identity(identity, key) and identity.workspace_id == workspace_id and known:
        search.tried.append("form identity: signature valid")
        if search.audit is None:
            search.audit = (identity.audit_id, "signed form")
        if search.agency is None:
            search.agency = (identity.agency_key, "signed form")
        return "valid", None
    why = "from another workspace" if identity.workspace_id != workspace_id else "did not verify"
    search.tried.append(f"form identity: signature {why}")
    search.flags.append(
        f"The form's hidden identity ({identity.audit_id}, {identity.agency_key}) has a signature "
        f"that {'is ' if why.startswith('from') else ''}{why}; it was not trusted."
    )
    return "invalid", identity


def _from_labels(
    raw: RawReturn, partnership: Partnership, catalogue: Catalogue, search: _Search
) -> None:
    agency_label = raw.labels.get("agency", "")
    if agency_label:
        agency = match_agency(agency_label, partnership)
        earlier = search.agency
        search.agency_from("agency label", agency, "labels")
        if agency is not None and earlier is not None and earlier[0] != agency.key:
            search.flags.append(
                f"The return's agency label names {agency.key}, but it was identified as "
                f"{earlier[0]} ({earlier[1]}); check which agency sent it."
            )
    title = "\n".join(t for t in (raw.labels.get("audit", ""), raw.labels.get("title", "")) if t)
    if not agency_label and search.agency is None:
        # Forms often say who they are for in a heading ("Return form for Northshire Homes").
        for line in raw.labels.get("title", "").splitlines():
            if (agency := match_agency(line, partnership)) is not None:
                search.agency_from("title lines", agency, "labels")
                break
    if title and search.audit is None:
        search.audit_from("audit title", match_audit_title(title, catalogue), "labels")


def _from_file_name(
    raw: RawReturn, partnership: Partnership, catalogue: Catalogue, search: _Search
) -> None:
    stem = raw.file_name.rsplit(".", 1)[0]
    if search.audit is None:
        search.audit_from("file name for audit", _file_name_audit(stem, catalogue), "file name")
    if search.agency is None:
        search.agency_from("file name for agency", match_agency(stem, partnership), "file name")


def identify_update_form(
    raw: RawReturn,
    partnership: Partnership,
    *,
    key: bytes,
    workspace_id: str,
    agency_key: str | None = None,
) -> Identification:
    """Which agency a progress-update form came from (it answers no audit); ReturnRejected if unknown."""
    identity = raw.identity
    assert identity is not None
    signed = verify_identity(identity, key) and identity.workspace_id == workspace_id
    agency = agency_key or (identity.agency_key if signed else None)
    if agency is None or partnership.agency(agency) is None:
        raise ReturnRejected(
            "This progress-update form's hidden identity did not match this workspace, so qap "
            "cannot tell which agency sent it.",
            "If you know the agency, place it with `qap ingest --agency KEY FILE`; otherwise ask "
            "the agency to fill in the update form qap sent them.",
        )
    return Identification(
        identity.audit_id,
        agency,
        "coordinator" if agency_key else "signed form",
        "valid" if signed else "invalid",
    )
