"""The package shared by pre-check, identity and reader: opened once, parts read once, damage named."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from pipeline.errors import ReturnRejected
from pipeline.forms.identity import parse_custom_properties
from pipeline.readers import read_return
from pipeline.readers.dtd import HEAD
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
