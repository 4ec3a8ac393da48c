"""The package shared by pre-check, identity and reader: opened once, parts read once, damage named."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from pipeline.errors import ReturnRejected
from pipeline.forms.identity import parse_custom_properties
from pipeline.readers import read_return
from pipeline.readers.dtd import HEAD
from pipeline.readers.package import Part, read_directory
from pipeline.readers.precheck import checked_package, precheck_file
from tests.hostile import XXE, base_docx, rewrite_zip, with_doctype

CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="a">'
    "<vt:lpwstr>first</vt:lpwstr></property>"
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="a">'
    "<vt:lpwstr>second</vt:lpwstr></property></Properties>"
)


def _flip_inside(path: Path, part: str) -> None:
    """Change one stored byte in the middle of a part, so only its CRC can tell."""
    with zipfile.ZipFile(path) as package:
        info = package.getinfo(part)
    raw = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.file_size // 2
    raw[middle] ^= 0x01
    path.write_bytes(bytes(raw))


def test_the_parts_every_reader_needs_are_read_once_and_kept(tmp_path: Path) -> None:
    path = rewrite_zip(
        base_docx(tmp_path / "base.docx"),
        tmp_path / "with-custom.docx",
        add=[("docProps/custom.xml", CUSTOM.encode())],
    )
    with checked_package(path) as package:
        assert (package.format, package.main) == ("docx", "word/document.xml")
        body = package.read("word/document.xml")
        package.archive.close()  # what the pre-check read stays in memory for the reader
        assert package.read("word/document.xml") is body
        assert package.custom_properties() == {"a": "first"}


def test_custom_properties_that_do_not_parse_are_none() -> None:
    assert parse_custom_properties(b"<Properties") == {}
    assert parse_custom_properties(b"") == {}


def _with_damaged_styles(tmp_path: Path, style: str) -> Path:
    """A stored (uncompressed) return whose first paragraph uses `style`, its styles part damaged."""
    document = docx.Document()
    document.add_paragraph("Teen Pregnancy Pathway: use and impact", style=style)
    document.add_paragraph("Agency: Housing")
    document.save(str(tmp_path / "base.docx"))
    path = rewrite_zip(
        tmp_path / "base.docx", tmp_path / "styles.docx", compression=zipfile.ZIP_STORED
    )
    _flip_inside(path, "word/styles.xml")
    return path


def test_a_damaged_part_the_reader_needs_is_reported_as_damaged(tmp_path: Path) -> None:
    # List Paragraph is not one of Word's fixed heading ids: its level is looked up in the styles.
    path = _with_damaged_styles(tmp_path, "List Paragraph")
    # The pre-check reads only the prolog of the styles; the reader reads them whole.
    assert precheck_file(path) == "docx"
    with pytest.raises(ReturnRejected) as caught:
        read_return(path)
    assert caught.value.reason == (
        "The file is damaged: a part fails its checksum or cannot be decompressed."
    )
    assert caught.value.retry is False


def test_damaged_styles_no_paragraph_needs_are_not_read(tmp_path: Path) -> None:
    # Title is read as a title by its id; like the theme, the styles are then never opened.
    raw = read_return(_with_damaged_styles(tmp_path, "Title"))
    assert raw.labels.get("agency") == "Housing"


def test_a_damaged_main_part_fails_the_pre_check(tmp_path: Path) -> None:
    path = rewrite_zip(
        base_docx(tmp_path / "base.docx"), tmp_path / "body.docx", compression=zipfile.ZIP_STORED
    )
    _flip_inside(path, "word/document.xml")
    with pytest.raises(ReturnRejected, match="damaged"):
        precheck_file(path)


def test_a_main_part_with_any_name_is_scanned_for_a_dtd(tmp_path: Path) -> None:
    base = base_docx(tmp_path / "base.docx")
    with zipfile.ZipFile(base) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    body = with_doctype(parts.pop("word/document.xml"), XXE)
    renamed = {
        name: data.replace(b"document.xml", b"document.bin")
        for name, data in parts.items()
        if name.endswith((".rels", "[Content_Types].xml"))
    }
    path = tmp_path / "renamed.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, renamed.get(name, data))
        package.writestr("word/document.bin", body)
    with pytest.raises(ReturnRejected, match="document type declaration"):
        precheck_file(path)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_prologs_inflated_from_memory_match_what_zipfile_reads(
    tmp_path: Path, compression: int
) -> None:
    path = rewrite_zip(
        base_docx(tmp_path / "base.docx"), tmp_path / "copy.docx", compression=compression
    )
    with checked_package(path) as package, zipfile.ZipFile(path) as plain:
        assert package.raw == path.read_bytes()
        for name in plain.namelist():
            with plain.open(name) as member:
                assert package.head(name) == member.read(HEAD), name
            assert package.read(name) == plain.read(name), name


def test_a_deflated_part_that_fails_its_checksum_is_damaged(tmp_path: Path) -> None:
    path = rewrite_zip(base_docx(tmp_path / "base.docx"), tmp_path / "flipped.docx")
    with zipfile.ZipFile(path) as package:
        info = package.getinfo("word/styles.xml")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x10
    path.write_bytes(bytes(raw))
    with checked_package(path) as package, pytest.raises(ReturnRejected, match="damaged"):
        package.read("word/styles.xml")


def test_a_doctype_in_a_part_no_reader_needs_is_still_refused(tmp_path: Path) -> None:
    base = base_docx(tmp_path / "base.docx")
    with zipfile.ZipFile(base) as package:
        settings = package.read("word/settings.xml")
    path = rewrite_zip(
        base, tmp_path / "dtd.docx", replace={"word/settings.xml": with_doctype(settings, XXE)}
    )
    with pytest.raises(ReturnRejected, match="document type declaration"):
        precheck_file(path)


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
    from pipeline.readers import package

    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for i in range(package.DECODED_KEPT + 50):
            archive.writestr(f"word/part{i}.xml", b"<a/>")
        archive.writestr("x" * (package.DECODED_KEPT_BYTES + 1), b"")
        archive.writestr("word/caf\u00e9.xml", b"<a/>")  # UTF-8, flagged: never remembered
    raw = sink.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as plain:
        expected = [Part.of(info) for info in plain.infolist()]
    # Read twice: the second time most names come from what the first remembered.
    assert read_directory(raw) == expected
    assert read_directory(raw) == expected
    assert len(package._DECODED) <= package.DECODED_KEPT
    assert all(len(key) <= package.DECODED_KEPT_BYTES for key in package._DECODED)
    assert all(key.isascii() for key in package._DECODED)
