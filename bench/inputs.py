"""Synthetic inputs for the benchmarks: a 40-agency workspace, returns of every style, a big tracker.

Returns are made with the same builders the tests use (qap's own forms filled as Word and Excel
save them, and the corpus of retyped and legacy returns); nothing here writes Office XML itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from pipeline.definitions import AuditDefinition, load_catalogue
from pipeline.ledger import ACCEPTED, open_ledger
from pipeline.ledger_rows import NewFile
from pipeline.model import StoredReturn
from pipeline.workspace import Workspace, init_workspace

# The five audits a burst is spread over; the sixth sample audit takes the tracker's new rows.
BURST_AUDITS = (
    "domestic-abuse-2026",
    "early-years-maru-2026",
    "fathers-2026",
    "section11-2026",
    "teen-pregnancy-2026",
)
SPARE_AUDIT = "teen-pregnancy-2025"
REPORT_AUDIT = "domestic-abuse-2026"
TRACKER_TODAY = dt.date(2027, 2, 15)
# The generic styles come from the test corpus; each file names its agency, which is in the sample.
CORPUS_STYLES = {
    "table-docx": "retyped_table",
    "legacy-docx": "legacy_fields",
    "table-xlsx": "header_block",
}
STYLES = ("qap-docx", "table-docx", "legacy-docx", "qap-xlsx", "table-xlsx")
_TEAMS = (
    "front-door",
    "MASH",
    "early help",
    "child protection",
    "looked-after children",
    "health visiting",
    "school nursing",
    "youth justice",
)
_VERBS = ("Refresh", "Audit", "Embed", "Review", "Publish", "Train staff on", "Re-launch", "Test")
_SUBJECTS = (
    "the escalation policy",
    "recording of the child's voice",
    "DASH risk assessments",
    "information sharing at strategy meetings",
    "the neglect toolkit",
    "supervision of complex cases",
    "the fathers' engagement guidance",
    "referrals to the MARU",
)


@dataclass(frozen=True)
class Sizes:
    """How big the synthetic inputs are: the real run, or a tiny one that only proves the script runs."""

    agencies: int
    burst: int
    burst_small: int
    tracker_rows: int
    tracker_changed: int
    tracker_new: int
    repeats: int
    burst_repeats: int
    watch_repeats: int
    startup_repeats: int


FULL = Sizes(40, 500, 100, 5000, 200, 50, 7, 2, 5, 15)
TINY = Sizes(10, 10, 5, 200, 8, 2, 2, 1, 1, 2)


def agency_keys(count: int) -> list[str]:
    """The sample's ten agencies, then invented partners up to `count`."""
    sample = Workspace(Path(__file__).resolve().parent.parent).partnership().agency_keys()
    extra = [f"partner-{n:02d}" for n in range(len(sample) + 1, count + 1)]
    return [*sample[:count], *extra]


def _agency_block(key: str) -> str:
    number = key.rsplit("-", 1)[1]
    return (
        f'\n[[agencies]]\nkey = "{key}"\nname = "Northshire Partner Agency {number}"\n'
        f'aliases = ["Partner {number}"]\nemails = ["partner{number}.example"]\n'
        'contact = "Designated Safeguarding Lead"\n'
    )


def make_workspace(root: Path, agencies: int, *, quiet: float = 0.0) -> Workspace:
    """A new workspace whose audits all go to `agencies` agencies, with a short quiet period."""
    init_workspace(root)
    workspace = Workspace(root.resolve())
    keys = agency_keys(agencies)
    config = workspace.config_path.read_text(encoding="utf-8")
    config = re.sub(r"(?m)^quiet_period_seconds = .*$", f"quiet_period_seconds = {quiet}", config)
    config += "".join(_agency_block(k) for k in keys if k.startswith("partner-"))
    workspace.config_path.write_text(config, encoding="utf-8")
    listed = "agencies = [" + ", ".join(f'"{k}"' for k in keys) + "]"
    for definition in workspace.audits_dir.glob("*.toml"):
        text = definition.read_text(encoding="utf-8")
        definition.write_text(re.sub(r"(?m)^agencies = \[.*\]$", listed, text), encoding="utf-8")
    return workspace


def audit(workspace: Workspace, audit_id: str) -> AuditDefinition:
    """One audit definition of the workspace."""
    return load_catalogue(workspace.audits_dir, workspace.partnership()).get(audit_id)


# Free text shorter than this, or without a space, is an option, a date or a name: the kind of
# answer agencies repeat, which qap may remember from one return to the next.
_FREE_TEXT = 20
_TEXT_NODE = re.compile(r"(<(?:w:)?t(?: [^>]*)?>)([^<]*)(</(?:w:)?t>)")
_TEXT_PARTS = re.compile(r"word/document\.xml|xl/sharedStrings\.xml|xl/worksheets/[^/]+\.xml")


@dataclass(frozen=True)
class FreeTexts:
    """A return's free-text answers, and the texts any return of its audit shares (never varied)."""

    answers: tuple[str, ...]
    shared: tuple[str, ...]


def free_texts(source: Path, workspace: Workspace) -> FreeTexts:
    """What `answer_variant` may vary in a return: its text answers and actions, not its options."""
    from pipeline.identify import identify_return
    from pipeline.normalise import normalise_return
    from pipeline.processing import load_context
    from pipeline.readers import read_return

    ctx = load_context(workspace)
    raw = read_return(source)
    ident = identify_return(
        raw, ctx.partnership, ctx.catalogue, key=ctx.key, workspace_id=ctx.workspace_id
    )
    audit = ctx.catalogue.get(ident.audit_id)
    ret = normalise_return(raw, audit, ident)
    texts = {q.id for q in audit.questions if q.type == "text"}
    given = list(ret.answers) + [answer for case in ret.cases for answer in case.answers]
    found = {answer.raw for answer in given if answer.qid in texts}
    found |= {action.action for action in ret.actions}
    shared = {option for q in audit.questions for option in q.options}
    shared |= {q.text for q in audit.questions} | {audit.title, ret.completed_by, ret.role}
    return FreeTexts(
        tuple(t for t in found if len(t) >= _FREE_TEXT and " " in t), tuple(sorted(shared))
    )


def answer_variant(source: Path, target: Path, number: int, texts: FreeTexts) -> Path:
    """A copy whose free-text answers all say ` (return N)` after each stretch of text they hold.

    Options, dates and names stay as they are, as they repeat across real returns; the free text
    an agency writes does not, so no memo of qap's can serve it from an earlier return. An answer
    can span several runs and lines (Word splits them), so every text node that is a stretch of
    one is varied.
    """
    answers = texts.answers

    def vary(match: re.Match[str]) -> str:
        inner = unescape(match[2])
        # A stretch of a few words, not a lone word such as a column's heading ("Answer").
        if len(inner) < 8 or " " not in inner.strip() or not any(inner in a for a in answers):
            return match[0]
        if any(inner in shared for shared in texts.shared):
            return match[0]
        return f"{match[1]}{match[2]} (return {number}){match[3]}"

    changed = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if answers and _TEXT_PARTS.fullmatch(info.filename):
                text, count = _TEXT_NODE.subn(vary, data.decode("utf-8"))
                data, changed = text.encode("utf-8"), changed + count
            new.writestr(info, data, compress_type=info.compress_type)
    if answers and not changed:
        raise RuntimeError(f"{source.name}: none of its free-text answers could be varied")
    return target


def filled_forms(
    workspace: Workspace,
    audit_id: str,
    agencies: Sequence[str],
    formats: Sequence[str],
    folder: Path,
    *,
    salt: int = 0,
) -> list[Path]:
    """qap's signed forms for these agencies, filled in as Word and Excel save them; actions vary by salt."""
    from pipeline.forms.issue import issue_forms
    from tests.form_fill import fill_docx, fill_xlsx, sample_filled

    definition = audit(workspace, audit_id)
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for form in issue_forms(workspace, audit_id, agencies, formats):
        filled = sample_filled(definition)
        # Each agency writes its own free text; options, dates and numbers repeat across returns.
        own = f" ({form.agency.key}, round {salt})"
        texts = {q.id for q in definition.questions if q.type == "text"}
        filled.tagged = {q: v + own if q in texts else v for q, v in filled.tagged.items()}
        filled.cases = {
            n: (ref, {q: v + own if q in texts else v for q, v in answers.items()})
            for n, (ref, answers) in filled.cases.items()
        }
        if filled.actions:
            filled.actions = [
                (f"{text} ({form.agency.key}, round {salt})", owner, target)
                for text, owner, target in filled.actions
            ]
        for path in form.paths:
            target = folder / f"{audit_id}-{form.agency.key}-{salt}{path.suffix}"
            if path.suffix == ".docx":
                fill_docx(path, target, filled.by_tag())
            else:
                fill_xlsx(path, target, definition, filled)
            made.append(target)
    return made


def corpus_file(style: str, folder: Path) -> Path:
    """One generic return of a corpus style (retyped table, legacy form fields, Excel header block)."""
    import tests.corpus
    import tests.corpus_xlsx

    builder = CORPUS_STYLES[style]
    module = tests.corpus_xlsx if style.endswith("xlsx") else tests.corpus
    path = folder / f"{style}.{style.rsplit('-', 1)[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    getattr(module, builder)(path)
    return path


def style_samples(workspace: Workspace, folder: Path) -> dict[str, Path]:
    """One return of each style, for the single-ingest measurements."""
    forms = filled_forms(workspace, "early-years-maru-2026", ["csc"], ["docx", "xlsx"], folder)
    samples = {"qap-docx": forms[0], "qap-xlsx": forms[1]}
    for style in CORPUS_STYLES:
        samples[style] = corpus_file(style, folder)
    return {style: samples[style] for style in STYLES}


def burst_files(workspace: Workspace, count: int, folder: Path) -> list[Path]:
    """`count` returns over the five audits: 80% qap forms (Word and Excel), the rest retyped and legacy."""
    keys = workspace.partnership().agency_keys()
    own = count * 8 // 10 // 2
    pairs = [
        (BURST_AUDITS[i % len(BURST_AUDITS)], keys[i // len(BURST_AUDITS)]) for i in range(own)
    ]
    made: list[Path] = []
    for audit_id in BURST_AUDITS:
        agencies = [k for a, k in pairs if a == audit_id]
        if agencies:
            made += filled_forms(workspace, audit_id, agencies, ["docx", "xlsx"], folder)
    others = ("table-docx", "legacy-docx")
    bases = {style: corpus_file(style, folder / "corpus") for style in others}
    texts = {style: free_texts(base, workspace) for style, base in bases.items()}
    for number in range(count - len(made)):
        style = others[number % 2]
        target = folder / f"{style}-{number:03d}.docx"
        made.append(answer_variant(bases[style], target, number, texts[style]))
    return made


def record_synthetic(workspace: Workspace, audit_id: str) -> int:
    """Put one realistic return per agency of an audit straight into the ledger; how many."""
    from tests.report_helpers import synthetic_returns

    # Received before today, so any return that arrives later replaces its agency's one.
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    stored = synthetic_returns(audit(workspace, audit_id), tricky_agency=None, received=received)
    with open_ledger(workspace) as ledger:
        for item in stored:
            token = f"bench-{audit_id}-{item.data.agency_key}"
            new = NewFile(
                token,
                hashlib.sha256(token.encode()).hexdigest(),
                item.data.file_name,
                item.received_at,
                1,
                ACCEPTED,
                f"archive/{token}.docx",
                audit_id=audit_id,
                agency_key=item.data.agency_key,
            )
            # Marked placed: the archive copy does not exist, and recovery must not go looking for it.
            ledger.mark_placed(ledger.record(new, item.data).file_id)
    return len(stored)


def _action_texts(count: int) -> Iterator[str]:
    for number in range(count):
        verb = _VERBS[number % len(_VERBS)]
        subject = _SUBJECTS[(number // len(_VERBS)) % len(_SUBJECTS)]
        team = _TEAMS[(number // 7) % len(_TEAMS)]
        yield f"{verb} {subject} in the {team} team, item {number + 1}"


def tracker_returns(
    workspace: Workspace, sizes: Sizes
) -> tuple[list[StoredReturn], list[StoredReturn]]:
    """(before, after): returns making a tracker of `tracker_rows` rows, then the same with rows changed and added."""
    from tests.tracker_helpers import stored_return

    keys = workspace.partnership().agency_keys()
    per_return = max(1, sizes.tracker_rows // (len(BURST_AUDITS) * len(keys)))
    before = [
        stored_return(
            key,
            [(text, "Safeguarding lead", "2027-06-30") for text in _action_texts(per_return)],
            audit=audit_id,
        )
        for audit_id in BURST_AUDITS
        for key in keys
    ]
    after = list(before)
    changed = 0
    for index, stored in enumerate(before):
        if changed >= sizes.tracker_changed:
            break
        take = min(per_return, sizes.tracker_changed - changed)
        # As in use: the agency's corrected return is a new file, so a new return in the ledger
        # (its own id and hash) superseding the old one, received later.
        actions = [
            (a.action, "Head of Service", "2027-09-30")
            if n < take
            else (a.action, a.owner, a.target_date)
            for n, a in enumerate(stored.data.actions)
        ]
        after[index] = stored_return(
            stored.data.agency_key,
            actions,
            audit=stored.data.audit_id,
            received=stored.received_at.date() + dt.timedelta(days=7),
        )
        changed += take
    new_texts = list(_action_texts(sizes.tracker_new))
    for number, key in enumerate(keys[:2]):
        mine = new_texts[number::2]
        if mine:
            after.append(
                stored_return(
                    key,
                    [(f"New: {t}", "Named nurse", "2027-12-31") for t in mine],
                    audit=SPARE_AUDIT,
                    received=dt.date(2027, 2, 10),
                )
            )
    return before, after
