"""Readers: turn one inbound file into a RawReturn, after the pre-check says it is safe to parse."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import ReturnRejected
from pipeline.model import RETURN_FORM, UPDATE_FORM, RawReturn
from pipeline.readers.package import CORRUPT, Package, damaged

log = logging.getLogger(__name__)

UNREADABLE_ADVICE = (
    "Ask the agency to open it in Word or Excel, save it again as .docx or .xlsx and resend it."
)


Reader = Callable[[Package], RawReturn]


def read_return(path: Path) -> RawReturn:
    """Pre-check a file, then read it with qap's own form reader or the generic one for its format."""
    from pipeline.readers.precheck import checked_package

    # One zip open for the pre-check, the identity and the reader.
    with checked_package(path) as package:
        try:
            return _read(package)
        except ReturnRejected:
            raise
        except CORRUPT as exc:  # a part the pre-check left to the reader failed its checksum
            log.warning("could not read %s (%s)", path.name, type(exc).__name__)
            raise damaged() from None
        except (
            Exception
        ) as exc:  # any library failure on a hostile file is a rejection, never a traceback
            log.warning("could not read %s (%s)", path.name, type(exc).__name__)
            raise ReturnRejected(
                f"qap could not read this file as a Word or Excel return ({type(exc).__name__}).",
                UNREADABLE_ADVICE,
            ) from None


def _read(package: Package) -> RawReturn:
    fmt = package.format
    identity = package.identity()
    reader: Reader | None = None
    if identity is not None and identity.kind == RETURN_FORM:
        reader = _own_form_reader(fmt)
    elif identity is not None and identity.kind == UPDATE_FORM:
        reader = _update_form_reader()
    if reader is None:
        reader = _generic_reader(fmt)
    raw = reader(package)
    if identity is not None and raw.identity is None:
        raw = dataclasses.replace(raw, identity=identity)
    return raw


def _generic_reader(fmt: str) -> Reader:
    if fmt == "xlsx":
        from pipeline.readers.xlsx_reader import read_xlsx_return

        return read_xlsx_return
    from pipeline.readers.docx_reader import read_docx_return

    return read_docx_return


def _own_form_reader(fmt: str) -> Reader | None:
    """qap's own form readers, when installed (another part of qap provides them)."""
    try:
        if fmt == "xlsx":
            from pipeline.readers.qap_xlsx import read_qap_xlsx

            return read_qap_xlsx
        from pipeline.readers.qap_docx import read_qap_docx

        return read_qap_docx
    except ImportError:
        log.info("qap's own %s form reader is not available; using the generic reader", fmt)
        return None


def _update_form_reader() -> Reader | None:
    try:
        from pipeline.tracker.update_forms import read_update_form
    except ImportError:
        log.info("the progress-update form reader is not available; using the generic reader")
        return None
    # The tracker's reader opens the file itself (by python-docx or openpyxl).
    return lambda package: read_update_form(package.path)
