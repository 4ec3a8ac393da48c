"""The zip directory read in one pass: what zipfile reads, in every shape a return's zip can take."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pipeline.errors import ReturnRejected
from pipeline.readers import zip_directory
from pipeline.readers.precheck import checked_package
from pipeline.readers.zip_directory import Part, read_directory
from tests.hostile import base_docx


def _shapes(tmp_path: Path) -> dict[str, bytes]:
    """One return's parts zipped in every shape a zip can take, plain first."""
    with zipfile.ZipFile(base_docx(tmp_path / "base.docx")) as package:
        parts = {name: package.read(name) for name in package.namelist()}

    def zipped(**options: object) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in parts.items():
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.extra = options.get("extra", b"")  # type: ignore[assignment]
                out.writestr(info, data)
            out.writestr(str(options.get("name", "notes.txt")), b"notes")
            out.comment = options.get("comment", b"")  # type: ignore[assignment]
        return buffer.getvalue()

    unseekable = io.BytesIO()
    with zipfile.ZipFile(_Unseekable(unseekable), "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return {
        "plain": zipped(),
        "data descriptors": unseekable.getvalue(),
        "well-formed extra field": zipped(extra=b"\x99\x99\x02\x00ab"),
        "unicode name": zipped(name="notes é.txt"),
        "name with a NUL": zipped(name="notes\x00.txt"),
        "archive comment": zipped(comment=b"made by hand"),
        "bytes before the zip": b"#!stub\n" + zipped(),
        "zip64 extra field": zipped(extra=b"\x01\x00\x00\x00"),
        "broken extra field": zipped(extra=b"\x99\x99\x09\x00ab"),
        "cut short": zipped()[:-30],
    }


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in, so it writes data descriptors after each part."""

    def __init__(self, sink: io.BytesIO) -> None:
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        return self.sink.write(data)  # type: ignore[arg-type]


PLAIN = ("plain", "data descriptors", "well-formed extra field", "unicode name", "name with a NUL")


def test_the_directory_read_in_one_pass_is_what_zipfile_reads(tmp_path: Path) -> None:
    for shape, raw in _shapes(tmp_path).items():
        parts = read_directory(raw)
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as plain:
                expected = [Part.of(info) for info in plain.infolist()]
        except zipfile.BadZipFile:
            expected = None
        if shape in PLAIN:
            assert parts == expected and parts, shape
        else:
            # Left to zipfile, which reads (or refuses) it as it always has.
            assert parts is None, shape
    assert read_directory(b"PK\x05\x06") is None


def test_both_directory_readers_give_the_same_pre_check(tmp_path: Path) -> None:
    outcomes = {}
    for shape, raw in _shapes(tmp_path).items():
        path = tmp_path / f"{len(outcomes)}.docx"
        path.write_bytes(raw)
        try:
            with checked_package(path) as package:
                outcomes[shape] = (package.format, package.main, package.read(package.main))
        except ReturnRejected as exc:
            outcomes[shape] = (exc.reason, "", b"")
    body = outcomes["plain"][2]
    assert body.startswith(b"<?xml")
    read_by_zipfile = ("archive comment", "zip64 extra field")
    for shape in ("data descriptors", "well-formed extra field", "unicode name", *read_by_zipfile):
        assert outcomes[shape] == ("docx", "word/document.xml", body), shape
    assert (
        outcomes["bytes before the zip"][0] == "This is not a Word (.docx) or Excel (.xlsx) file."
    )
    assert outcomes["broken extra field"][0].startswith("The file is incomplete")
    assert outcomes["cut short"][0].startswith("The file is incomplete")


def test_names_remembered_by_their_bytes_read_as_zipfile_reads_them_and_stay_bounded() -> None:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for i in range(zip_directory.DECODED_KEPT + 50):
            archive.writestr(f"word/part{i}.xml", b"<a/>")
        archive.writestr("x" * (zip_directory.DECODED_KEPT_BYTES + 1), b"")
        archive.writestr("word/caf\u00e9.xml", b"<a/>")  # UTF-8, flagged: never remembered
    raw = sink.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as plain:
        expected = [Part.of(info) for info in plain.infolist()]
    # Read twice: the second time most names come from what the first remembered.
    assert read_directory(raw) == expected
    assert read_directory(raw) == expected
    assert len(zip_directory.KNOWN_NAMES) <= zip_directory.DECODED_KEPT
    assert all(len(key) <= zip_directory.DECODED_KEPT_BYTES for key in zip_directory.KNOWN_NAMES)
    assert all(key.isascii() for key in zip_directory.KNOWN_NAMES)
