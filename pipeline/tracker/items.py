"""qap's side of the tracker: rows derived from current returns and progress updates, with stable refs."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from difflib import SequenceMatcher
from typing import NamedTuple

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition, Catalogue
from pipeline.errors import UnknownAuditError
from pipeline.model import RETURN_FORM, StoredReturn
from pipeline.tracker.cells import clean_text, iso_date
from pipeline.tracker.columns import (
    AGENCY_ACTION,
    NOT_STARTED,
    SECTION_11,
    agency_codes,
    agency_finder,
    normalise_status,
)
from pipeline.tracker.derived import DerivedMemo, Entry, stamp
from pipeline.tracker.merge import offer_digest
from pipeline.tracker.records import LogEntry, QapRow, SheetRow
from pipeline.tracker.registry import ORIGIN_RETURN, RefRecord, Registry

log = logging.getLogger(__name__)

# How alike a reworded action must be to its old wording to keep the old ref.
REWORDED = 0.6


class _Builder:
    """Collects values per ref, remembering the return each value came from and any notes."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, str]] = {}
        self.sources: dict[str, dict[str, str]] = {}
        self.notes: dict[str, dict[str, tuple[str, ...]]] = {}
        # Texts cleaned so far: most values (owners, dates, agencies, audits) repeat.
        self.cleaned: dict[str, tuple[str, tuple[str, ...]]] = {}

    def put(self, ref: str, key: str, text: str, source: str) -> None:
        self.put_row(ref, {key: text}, source)

    def clean(self, text: str) -> tuple[str, tuple[str, ...]]:
        """clean_text of `text`, cleaned once per builder: most values repeat."""
        found = self.cleaned.get(text)
        if found is None:
            found = self.cleaned[text] = clean_text(text)
        return found

    def put_row(self, ref: str, texts: Mapping[str, str], source: str) -> None:
        """Several values of one ref from one source, as put() one by one in this order."""
        clean: dict[str, str] = {}
        noted: dict[str, tuple[str, ...]] = {}
        for key, text in texts.items():
            found = self.clean(text)
            clean[key] = found[0]
            if found[1]:
                noted[key] = found[1]
        self.keep(ref, clean, noted, source)

    def keep(
        self, ref: str, clean: dict[str, str], noted: dict[str, tuple[str, ...]], source: str
    ) -> None:
        """Values already cleaned (see clean()) of one ref from one source, with their notes."""
        values = self.values.get(ref)
        if values is None:
            self.values[ref] = clean
            self.sources[ref] = dict.fromkeys(clean, source)
        else:
            values.update(clean)
            self.sources[ref].update(dict.fromkeys(clean, source))
        notes = self.notes.get(ref)
        if notes is not None:
            # A value put again without notes drops the notes of the value it replaces.
            for key in clean.keys() - noted.keys():
                notes.pop(key, None)
        if noted:
            self.notes.setdefault(ref, {}).update(noted)

    def rows(self) -> list[QapRow]:
        return [
            QapRow(ref, values, self.sources.get(ref, {}), self.notes.get(ref, {}))
            for ref, values in self.values.items()
        ]


def _match_keys(texts: Sequence[str]) -> list[str]:
    """A key per action: its text with case and spacing ignored, numbered when repeated."""
    seen: dict[str, int] = {}
    keys = []
    for text in texts:
        base = " ".join(text.split()).casefold()
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


def _ref_for(
    registry: Registry,
    records: list[RefRecord],
    audit: AuditDefinition,
    code: str,
    stored: StoredReturn,
    position: int,
    key: str,
    keys: Sequence[str],
    claimed: set[str],
) -> str:
    """The ref of one action: by its wording, else a close rewording, else a new one."""
    for record in records:
        if record.match_key == key and record.ref not in claimed:
            return record.ref
    # A resubmitted return that rewords an action keeps its ref: the closest old wording that
    # is no longer in the return, if it is close enough to be the same action.
    candidates = [
        r
        for r in records
        if r.return_id != stored.return_id and r.match_key not in keys and r.ref not in claimed
    ]
    scored = [(SequenceMatcher(None, key, r.match_key).ratio(), r) for r in candidates]
    best = max(scored, key=lambda pair: pair[0], default=None)
    if best is not None and best[0] >= REWORDED:
        old = best[1]
        registry.rematch(old.ref, key, position, stored.return_id)
        records[records.index(old)] = RefRecord(
            old.ref, old.audit_id, old.agency_key, old.origin, key, position, stored.return_id
        )
        return old.ref
    wanted = RefRecord(
        "", audit.id, stored.data.agency_key, ORIGIN_RETURN, key, position, stored.return_id
    )
    issued = registry.allocate(audit.reference_prefix, code, wanted)
    records.append(issued)
    return issued.ref


class _Settings(NamedTuple):
    """What a return's rows take from the audit and agency besides the return itself."""

    kind: str
    lead: str
    code: str
    prefix: str


# Returns whose actions become rows, each with its audit and what its rows take from both.
Usable = list[tuple[StoredReturn, AuditDefinition, _Settings]]


def _derive(
    builder: _Builder,
    registry: Registry,
    records: list[RefRecord],
    stored: StoredReturn,
    audit: AuditDefinition,
    settings: _Settings,
) -> list[Entry]:
    """A row per action of one return put into `builder`; what was put, in order."""
    data = stored.data
    actions = [a for a in data.actions if a.action.strip()]
    keys = _match_keys([a.action for a in actions])
    claimed: set[str] = set()
    source = data.file_name
    # Values every action of this return shares, cleaned once for all of them.
    clean = builder.clean
    shared = (
        clean(audit.id),
        clean(settings.kind),
        clean(settings.lead),
        clean(stored.received_at.date().isoformat()),
        clean(NOT_STARTED),
    )
    (audit_id, _), (source_kind, _), (lead_name, _), (raised, _), (status, _) = shared
    shared_notes = any(found[1] for found in shared)
    entries: list[Entry] = []
    for position, (action, key) in enumerate(zip(actions, keys, strict=True)):
        ref = _ref_for(
            registry, records, audit, settings.code, stored, position, key, keys, claimed
        )
        claimed.add(ref)
        own = (
            clean(ref),
            clean(action.action),
            clean(action.owner),
            clean(action.target_date or action.target_raw.strip()),
        )
        # Written out in the columns' order (ACTION_KEYS), which qap's offer for the row follows.
        values = {
            "ref": own[0][0],
            "audit": audit_id,
            "source": source_kind,
            "text": own[1][0],
            "lead_agency": lead_name,
            "owner": own[2][0],
            "raised": raised,
            "target": own[3][0],
            "status": status,
        }
        noted: dict[str, tuple[str, ...]] = {}
        if shared_notes or own[0][1] or own[1][1] or own[2][1] or own[3][1]:
            ordered = (own[0], *shared[:2], own[1], shared[2], own[2], shared[3], own[3])
            found = zip(values, (*ordered, shared[4]), strict=True)
            noted = {key: notes for key, (_, notes) in found if notes}
        entries.append((ref, tuple(values.values()), noted, offer_digest(values)))
        builder.keep(ref, values, noted, source)
    return entries


def usable_returns(
    returns: Sequence[StoredReturn],
    catalogue: Catalogue,
    partnership: Partnership,
    warn: bool = True,
) -> Usable:
    """Returns with actions for a known audit, oldest first, with what their rows take from it."""
    codes = agency_codes(partnership)
    usable: Usable = []
    for stored in sorted(returns, key=lambda s: (s.received_at, s.return_id)):
        data = stored.data
        if data.kind != RETURN_FORM or not data.actions:
            continue
        try:
            audit = catalogue.get(data.audit_id)
        except UnknownAuditError:
            if warn:
                log.warning("tracker: return %s names an unknown audit; skipped", data.file_name)
            continue
        agency = partnership.agency(data.agency_key)
        settings = _Settings(
            SECTION_11 if audit.is_section11 else AGENCY_ACTION,
            agency.name if agency else data.agency_key,
            codes.get(data.agency_key, data.agency_key[:3].upper()),
            audit.reference_prefix,
        )
        usable.append((stored, audit, settings))
    return usable


def _lone_stamps(usable: Usable) -> dict[tuple[str, str], str]:
    # Only a pair with one return has its rows remembered (see derived) or skipped (see
    # owner_memo): the one rule both follow.
    returns_of = Counter((audit.id, stored.data.agency_key) for stored, audit, _ in usable)
    return {
        (audit.id, stored.data.agency_key): stamp(stored, settings)
        for stored, audit, settings in usable
        if returns_of[(audit.id, stored.data.agency_key)] == 1
    }


def lone_stamps(
    returns: Sequence[StoredReturn], catalogue: Catalogue, partnership: Partnership
) -> dict[tuple[str, str], str]:
    """The stamp (see derived.stamp) of each (audit, agency) pair's return, for pairs with one."""
    return _lone_stamps(usable_returns(returns, catalogue, partnership, warn=False))


def action_rows(
    returns: Sequence[StoredReturn],
    catalogue: Catalogue,
    partnership: Partnership,
    registry: Registry,
    owners: dict[str, tuple[str, str]] | None = None,
    skipped: Collection[tuple[str, str]] = (),
) -> list[QapRow]:
    """A row per action in each agency's current return (Section 11 actions marked as such);
    `owners`, when given, gets the (audit, agency) of each row of a pair with one return. Pairs
    `skipped` (see owner_memo) give no rows while their rows would be the ones remembered.

    A return that is the only one for its (audit, agency) reuses the rows remembered from its
    last derivation (see pipeline.tracker.derived); the rest are derived afresh.
    """
    usable = usable_returns(returns, catalogue, partnership)
    stamps = _lone_stamps(usable)
    memo = DerivedMemo(registry.conn)
    remembered: list[list[QapRow] | None] = []
    for stored, audit, _ in usable:
        owner = (audit.id, stored.data.agency_key)
        stamp_ = stamps.get(owner)
        if stamp_ is None:
            remembered.append(None)
        elif owner in skipped and memo.holds(owner, stamp_):
            remembered.append([])
        else:
            remembered.append(memo.rows(owner, stamp_, stored.data.file_name))
    fresh = {
        (audit.id, stored.data.agency_key)
        for (stored, audit, _), rows in zip(usable, remembered, strict=True)
        if rows is None
    }
    # The refs issued for the pairs derived afresh only, in one query each.
    issued = registry.refs_by_owner(fresh) if fresh else {}
    builder = _Builder()
    # Every ref in the order first derived; rows from the builder filled in at the end.
    out: dict[str, QapRow | None] = {}
    for (stored, audit, settings), rows in zip(usable, remembered, strict=True):
        owner = (audit.id, stored.data.agency_key)
        if rows is not None:
            out.update((row.ref, row) for row in rows)
            if owners is not None:
                owners.update((row.ref, owner) for row in rows)
            continue
        records = issued.setdefault(owner, [])
        entries = _derive(builder, registry, records, stored, audit, settings)
        for entry in entries:
            out.setdefault(entry[0], None)
        if owner in stamps:
            memo.keep(owner, stamps[owner], entries)
            if owners is not None:
                owners.update((entry[0], owner) for entry in entries)
        else:
            memo.forget(owner)
    # Remembered in the commit that keeps the refs they were derived with.
    memo.store()
    registry.flush()
    # Every row carries its offer's digest, as the remembered ones do.
    built = {row.ref: row._replace(offer=offer_digest(row.values)) for row in builder.rows()}
    return [row or built[ref] for ref, row in out.items()]


def update_rows(
    updates: Sequence[StoredReturn], leads: Mapping[str, str | None]
) -> tuple[list[QapRow], list[LogEntry]]:
    """Status, progress, evidence and revised targets from progress-update forms, latest last.

    `leads` maps every ref in the tracker to its lead agency's key; an update for a ref that
    does not exist, or that another agency leads, is logged and not applied.
    """
    builder = _Builder()
    notices: list[LogEntry] = []
    for stored in sorted(updates, key=lambda s: (s.received_at, s.return_id)):
        data = stored.data
        source = data.file_name
        for update in data.updates:
            ref = update.ref.strip().upper()
            if not ref:
                continue
            if ref not in leads:
                notices.append(
                    LogEntry(ref, "", "update not applied", "no row has this Ref", source)
                )
                continue
            lead = leads[ref]
            if lead and lead != data.agency_key:
                detail = f"this item is led by {lead}, the form came from {data.agency_key}"
                notices.append(LogEntry(ref, "", "update not applied", detail, source))
                continue
            if update.status.strip():
                status = normalise_status(update.status)
                if status is None:
                    detail = "the status given is not one of the four allowed; the rest was applied"
                    notices.append(LogEntry(ref, "Status", "status not applied", detail, source))
                else:
                    builder.put(ref, "status", status, source)
            for key, text in (("progress", update.progress), ("evidence", update.evidence)):
                if text.strip():
                    builder.put(ref, key, text.strip(), source)
            if update.revised_target.strip():
                builder.put(ref, "revised_target", iso_date(update.revised_target.strip()), source)
    return builder.rows(), notices


def combine(*groups: Sequence[QapRow]) -> list[QapRow]:
    """One row per ref: later groups' values override earlier ones column by column."""
    merged: dict[str, QapRow] = {}
    for group in groups:
        for row in group:
            old = merged.get(row.ref)
            if old is None:
                merged[row.ref] = row
                continue
            merged[row.ref] = QapRow(
                row.ref,
                {**old.values, **row.values},
                {**old.sources, **row.sources},
                {**old.notes, **row.notes},
            )
    return list(merged.values())


def lead_keys(
    rows: Sequence[SheetRow], qap_rows: Sequence[QapRow], partnership: Partnership
) -> dict[str, str | None]:
    """Every ref's lead agency key (None when the cell names no known agency); the sheet wins."""
    leads: dict[str, str | None] = {}
    find = agency_finder(partnership)
    for values in [q.values for q in qap_rows] + [r.values for r in rows]:
        ref = values.get("ref", "")
        if ref:
            agency = find(values.get("lead_agency", ""))
            leads[ref.upper()] = agency.key if agency else None
    return leads
