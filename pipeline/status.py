"""Where each audit stands: which agencies have returned, which are outstanding, days to deadline."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from pipeline.definitions import load_catalogue
from pipeline.ledger import open_ledger
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgencyReturn:
    """An agency's current return to an audit: when it came and how many issues it has."""

    agency_key: str
    agency_name: str
    received_at: dt.datetime
    issues: int
    returns_received: int = 1
    listed: bool = True


@dataclass(frozen=True)
class AuditStatus:
    """One audit's returns against its deadline."""

    audit_id: str
    title: str
    deadline: dt.date
    days_to_deadline: int
    returned: tuple[AgencyReturn, ...]
    outstanding: tuple[tuple[str, str], ...]

    def deadline_words(self) -> str:
        """'12 days to go', 'due today' or '3 days overdue'."""
        days = self.days_to_deadline
        if days == 0:
            return "due today"
        plural = "s" if abs(days) != 1 else ""
        return f"{days} day{plural} to go" if days > 0 else f"{-days} day{plural} past the deadline"

    def describe(self) -> str:
        """A few plain lines for the coordinator."""
        listed = [r for r in self.returned if r.listed]
        expected = len(listed) + len(self.outstanding)
        lines = [
            f"{self.audit_id}: {self.title}",
            f"  Deadline {self.deadline:%d %b %Y} ({self.deadline_words()}); "
            f"{len(listed)} of {expected} agencies have returned.",
        ]
        width = max((len(r.agency_name) for r in self.returned), default=0)
        for item in self.returned:
            issues = (
                f"{item.issues} issue{'s' * (item.issues != 1)}" if item.issues else "no issues"
            )
            again = (
                f", {item.returns_received} returns received" if item.returns_received > 1 else ""
            )
            if not item.listed:
                again += " (not listed for this audit)"
            lines.append(
                f"  returned     {item.agency_name:<{width}}  {item.received_at.astimezone():%d %b %Y %H:%M}"
                f"  {issues}{again}"
            )
        for _key, name in self.outstanding:
            lines.append(f"  outstanding  {name}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The status as plain JSON-ready data."""
        return {
            "audit": self.audit_id,
            "title": self.title,
            "deadline": self.deadline.isoformat(),
            "days_to_deadline": self.days_to_deadline,
            "returned": [
                {
                    "agency": r.agency_key,
                    "name": r.agency_name,
                    "received_at": r.received_at.isoformat(),
                    "issues": r.issues,
                    "returns_received": r.returns_received,
                    "listed": r.listed,
                }
                for r in self.returned
            ],
            "outstanding": [{"agency": key, "name": name} for key, name in self.outstanding],
        }


def audit_status(
    workspace: Workspace, audit_id: str | None = None, today: dt.date | None = None
) -> list[AuditStatus]:
    """The status of every audit (or one), in deadline order."""
    partnership = workspace.partnership()
    catalogue = load_catalogue(workspace.audits_dir, partnership)
    audits = [catalogue.get(audit_id)] if audit_id else list(catalogue.audits)
    today = today or dt.date.today()

    def name(key: str) -> str:
        agency = partnership.agency(key)
        return agency.name if agency else key

    statuses: list[AuditStatus] = []
    with open_ledger(workspace) as ledger:
        for audit in audits:
            current = {r.data.agency_key: r for r in ledger.current_returns(audit.id)}
            returned = tuple(
                AgencyReturn(
                    key,
                    name(key),
                    stored.received_at,
                    len(stored.data.issues),
                    len(ledger.history(audit.id, key)),
                    key in audit.agencies,
                )
                for key, stored in sorted(current.items(), key=lambda kv: kv[1].received_at)
            )
            statuses.append(
                AuditStatus(
                    audit.id,
                    audit.title,
                    audit.deadline,
                    (audit.deadline - today).days,
                    returned,
                    tuple((key, name(key)) for key in audit.agencies if key not in current),
                )
            )
    return statuses
