"""Where a workspace's files live, how one is found, and how `qap init` makes one."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Partnership, load_partnership
from pipeline.errors import WorkspaceError

log = logging.getLogger(__name__)

CONFIG_NAME = "qap.toml"
ENV_VAR = "QAP_WORKSPACE"
# The repository root is the sample workspace that `qap init` copies from.
SAMPLE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and the paths qap uses inside it."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def audits_dir(self) -> Path:
        return self.templates / "audits"

    @property
    def report_template(self) -> Path:
        return self.templates / "report.docx"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def private(self) -> Path:
        """qap's own state: ledger, signing key, lock, files being processed."""
        return self.root / ".qap"

    @property
    def ledger_path(self) -> Path:
        return self.private / "ledger.sqlite"

    @property
    def processing(self) -> Path:
        return self.private / "processing"

    def partnership(self) -> Partnership:
        """The partnership from qap.toml."""
        return load_partnership(self.config_path)

    def tracker_path(self) -> Path:
        """The tracker workbook, from qap.toml's settings."""
        return self.root / self.partnership().settings.tracker

    def ensure_private_dirs(self) -> None:
        """Create the folders qap owns, readable by their owner only."""
        for folder in (self.private, self.processing, self.archive, self.quarantine):
            make_private_dir(folder)
        for folder in (self.inbox, self.outbox):
            if not is_dir(folder):
                folder.mkdir(parents=True, exist_ok=True)

    def secret_key(self) -> bytes:
        """The workspace's signing key for forms, created on first use; it never leaves .qap/."""
        path = self.private / "secret.key"
        return bytes.fromhex(self._created_once(path, secrets.token_hex(32)))

    def workspace_id(self) -> str:
        """A short random id naming this workspace inside the forms it issues."""
        return self._created_once(self.private / "workspace-id", secrets.token_hex(6))

    def _created_once(self, path: Path, value: str) -> str:
        """The file's text; if it does not exist yet, create it holding `value`, owner-only.

        Two processes may start at once (a watcher and a `qap run`): the file appears whole in
        one step (a hard link of a finished temporary file), and whoever loses keeps the winner's.
        """
        if not path.exists():
            self.ensure_private_dirs()
            fd, temp = tempfile.mkstemp(dir=self.private, prefix=f".{path.name}-")
            try:
                with os.fdopen(fd, "w") as fh:
                    fh.write(value)
                with contextlib.suppress(FileExistsError):
                    os.link(temp, path)
            finally:
                os.unlink(temp)
        return path.read_text().strip()


def is_dir(folder: Path, mode: int | None = None) -> bool:
    """Whether `folder` is a folder already, with exactly `mode` when one is given."""
    # One stat: making and restricting a folder that is there cost three calls and an exception.
    try:
        st = os.stat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and (mode is None or stat.S_IMODE(st.st_mode) == mode)


def make_private_dir(folder: Path) -> None:
    """Make `folder` (and its parents) if missing, readable by its owner only where the
    filesystem allows it (a share that refuses chmod gets a warning, not an error)."""
    if is_dir(folder, 0o700):
        return
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except OSError:
        log.warning("could not restrict permissions of %s", folder)


def find_workspace(option: str | None) -> Workspace:
    """The workspace named by --workspace, else QAP_WORKSPACE, else the current folder."""
    given = option or os.environ.get(ENV_VAR)
    root = Path(given) if given else Path.cwd()
    if not (root / CONFIG_NAME).is_file():
        where = f"{root}" if given else f"the current folder ({root})"
        raise WorkspaceError(
            f"{where} is not a qap workspace (no {CONFIG_NAME}). "
            f"Make one with `qap init DIR`, or point to one with --workspace DIR "
            f"or the {ENV_VAR} environment variable."
        )
    return Workspace(root.resolve())


def init_workspace(target: Path) -> list[Path]:
    """Create a workspace at `target` from the sample one; never overwrite a file. Returns what was made."""
    made: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    sample = Workspace(SAMPLE_ROOT)
    if not sample.config_path.is_file():
        raise WorkspaceError(
            f"The sample workspace was not found at {SAMPLE_ROOT}. Install qap from a clone "
            "with `pip install -e .` so `qap init` can copy it."
        )
    workspace = Workspace(target.resolve())
    copies = [(sample.config_path, workspace.config_path)]
    for source in sorted(sample.templates.rglob("*")):
        if source.is_file() and not source.name.startswith((".", "~$")):
            copies.append((source, workspace.templates / source.relative_to(sample.templates)))
    for source, dest in copies:
        if dest.exists():
            log.info("kept existing %s", dest)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        made.append(dest)
    for folder in (workspace.inbox, workspace.outbox):
        if not folder.exists():
            made.append(folder)
    workspace.ensure_private_dirs()
    return made
