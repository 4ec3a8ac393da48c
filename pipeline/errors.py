"""The one exception hierarchy of qap; only the CLI turns these into exit codes and messages."""

from __future__ import annotations

import click


class QapError(click.ClickException):
    """Base of every error qap reports to a user; the message says what to do about it."""

    exit_code = 1


class WorkspaceError(QapError):
    """Raised by workspace and config loading: no workspace here, or qap.toml is wrong."""


class DefinitionError(QapError):
    """Raised by definitions: an audit definition cannot be loaded or is invalid."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__("\n".join([message, *(f"  {p}" for p in problems)]))
        self.problems = problems


class UnknownAuditError(QapError):
    """Raised when a command names an audit or agency the workspace does not have."""


class ReturnRejected(QapError):
    """Raised by readers and identify: a file cannot be read as a return (it goes to quarantine).

    `retry` is true when the file may simply not be complete yet (still being copied).
    """

    def __init__(self, reason: str, advice: str = "", *, retry: bool = False) -> None:
        super().__init__(reason if not advice else f"{reason} {advice}")
        self.reason = reason
        self.advice = advice
        self.retry = retry


class WorkspaceBusy(QapError):
    """Raised by the workspace lock when another qap process is working on the same workspace."""

    exit_code = 3


class TemplateError(QapError):
    """Raised by report rendering: the report template refers to a missing field or is broken."""


class TrackerBusy(QapError):
    """Raised by the tracker writer when the workbook is open in Excel or cannot be replaced."""

    exit_code = 4


class TrackerError(QapError):
    """Raised by the tracker when the workbook cannot be read or a checked save fails; it is left as it was."""


class UnidentifiedReturn(ReturnRejected):
    """Raised by identify: qap cannot tell a return's audit or agency; `tried` lists the evidence."""

    def __init__(self, reason: str, advice: str = "", *, tried: tuple[str, ...] = ()) -> None:
        super().__init__(reason, advice)
        self.tried = tried
