"""What drafts are built from, read once: the ledger's current returns and the tracker's items.

A run that rebuilds several audits' drafts reads these once and hands them to each draft; the
tracker's items are worked out for every audit in one pass, as the tracker itself is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.config import Partnership
from pipeline.definitions import Catalogue
from pipeline.errors import QapError
from pipeline.model import StoredReturn, TrackerItem
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DraftInputs:
    """The partnership, its audits, every audit's current returns and every tracker item.

    `tracker` is None when the tracker could not be read (each draft then says so).
    """

    partnership: Partnership
    catalogue: Catalogue
    returns: tuple[StoredReturn, ...]
    tracker: tuple[TrackerItem, ...] | None

    def returns_for(self, audit_id: str) -> list[StoredReturn]:
        """The current returns of one audit, in the ledger's order."""
        return [r for r in self.returns if r.data.audit_id == audit_id]

    def items_for(self, audit_id: str) -> tuple[TrackerItem, ...] | None:
        """The tracker items of one audit, or None when the tracker could not be read."""
        if self.tracker is None:
            return None
        return tuple(item for item in self.tracker if item.audit_id == audit_id)


def load_inputs(workspace: Workspace, audit_ids: Sequence[str] = ()) -> DraftInputs:
    """Read the workspace's audits, the ledger's current returns and the tracker's items once.

    An unknown id among `audit_ids` is an error raised before the ledger or tracker is read.
    """
    from pipeline.definitions import load_catalogue
    from pipeline.ledger import open_ledger

    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    for audit_id in audit_ids:
        catalogue.get(audit_id)
    with open_ledger(workspace) as ledger:
        returns = ledger.current_returns()
        updates = ledger.update_returns()
    return DraftInputs(
        partnership, catalogue, tuple(returns), _tracker_items(workspace, returns, updates)
    )


def _tracker_items(
    workspace: Workspace, returns: Sequence[StoredReturn], updates: Sequence[StoredReturn]
) -> tuple[TrackerItem, ...] | None:
    try:
        from pipeline.tracker.plan import tracker_items
    except ImportError:
        return ()
    try:
        return tuple(tracker_items(workspace, returns, updates))
    except FileNotFoundError:
        return ()
    except QapError as exc:
        # The drafts are still worth having; their recommendations section says the tracker was unreadable.
        log.warning("tracker not read for the reports: %s", type(exc).__name__)
        return None
