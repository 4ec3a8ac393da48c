"""LibreOffice as a converter: documents to PDF, run headless with a private profile."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import QapError

log = logging.getLogger(__name__)


def soffice_path() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(
    source: Path, outdir: Path, target: str = "pdf", timeout: float = 180
) -> Path:
    """Convert `source` into `outdir` as `target` (pdf, docx, xlsx) and return the new file's path."""
    binary = soffice_path()
    if binary is None:
        raise QapError(
            "LibreOffice is not installed, so qap cannot convert documents. Install it "
            "(Debian/Ubuntu: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)."
        )
    outdir.mkdir(parents=True, exist_ok=True)
    # A private profile per call: two LibreOffice runs sharing one profile fail or hang.
    with tempfile.TemporaryDirectory(prefix="qap-lo-") as profile:
        command = [
            binary,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise QapError(
                f"LibreOffice took longer than {timeout:.0f}s to convert {source.name}."
            ) from None
    produced = outdir / f"{source.stem}.{target.split(':')[0]}"
    if done.returncode != 0 or not produced.is_file():
        log.warning("LibreOffice failed on %s: rc=%s", source.name, done.returncode)
        raise QapError(
            f"LibreOffice could not convert {source.name} to {target}: {done.stderr.strip()[:300]}"
        )
    return produced
