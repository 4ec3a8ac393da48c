"""Builds the hostile files: each named after what it tests, with the verdict qap must reach."""

from __future__ import annotations

import random
import re
import shutil
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl

from pipeline.convert import convert_with_libreoffice

RETRY = "retry"
REJECT = "reject"
ACCEPT = "accept"
UNREADABLE = "unreadable"  # passes the pre-check, but the reader must refuse it cleanly


@dataclass(frozen=True)
class Hostile:
    """A hostile file and what qap must say about it: verdict and a phrase of the reason."""

    path: Path
    verdict: str
    reason: str


def base_docx(path: Path, answer: str = "Yes") -> Path:
    """A small ordinary Word return to damage."""
    document = docx.Document()
    document.add_paragraph("Teen Pregnancy Pathway: use and impact", style="Title")
    document.add_paragraph("Agency: Housing")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("No.", "Question", "Answer"), strict=True):
        cell.text = text
    for cell, text in zip(
        table.rows[1].cells,
        ("1.1", "Are practitioners in your agency aware of the pathway?", answer),
        strict=True,
    ):
        cell.text = text
    document.save(str(path))
    return path


def base_xlsx(path: Path, rows: int = 3) -> Path:
    """A small ordinary Excel return to damage."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Agency:", "Housing"])
    sheet.append(["No.", "Question", "Answer"])
    for index in range(1, rows + 1):
        sheet.append([f"1.{index}", f"Question {index}", "Yes"])
    workbook.save(str(path))
    return path


def rewrite_zip(
    source: Path,
    target: Path,
    replace: dict[str, bytes] | None = None,
    add: list[tuple[str, bytes]] | None = None,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Copy a package, replacing some parts and adding others (duplicates allowed)."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names are the point of some files
            for name, data in add or []:
                new.writestr(name, data)
    return target


def with_doctype(xml: bytes, payload: str) -> bytes:
    """Insert a DOCTYPE after the XML declaration."""
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + payload.encode() + xml[end:]


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_HTTP = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
PARAM = '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>'


def ole_encrypted(path: Path) -> Path:
    """A minimal OLE2 compound file with the streams Office uses for a password-protected file."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\x00").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<I", raw, 116, 0xFFFFFFFE)
        return bytes(raw)

    directory = (
        entry("Root Entry", 5)
        + entry("EncryptionInfo", 2)
        + entry("EncryptedPackage", 2)
        + bytes(128)
    )
    path.write_bytes(bytes(header) + bytes(fat) + directory)
    return path


WORDS = re.findall(
    r"\w+",
    "the child young parent was seen by health visitor school nurse social worker "
    "referral pathway support housing plan review meeting father mother baby risk "
    "assessment midwife agreed action record visit home contact consent concern",
)


def prose(size: int, seed: int = 7) -> str:
    """Realistic-looking text of about `size` characters (compresses like real writing)."""
    rng = random.Random(seed)
    words = WORDS
    out: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(words) + rng.choice((" ", " ", " ", ", ", ". "))
        out.append(word)
        total += len(word)
    return "".join(out)


def build_hostile(folder: Path, *, legacy: bool = True) -> dict[str, Hostile]:
    """Write every hostile file into `folder`; returns them by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "_base"
    work.mkdir(exist_ok=True)
    good_docx = base_docx(work / "good.docx")
    good_xlsx = base_xlsx(work / "good.xlsx")
    data = good_docx.read_bytes()
    out: dict[str, Hostile] = {}

    def add(name: str, verdict: str, reason: str, make: Callable[[Path], object]) -> None:
        path = folder / name
        make(path)
        out[name] = Hostile(path, verdict, reason)

    add("empty_0_bytes.docx", RETRY, "empty", lambda p: p.write_bytes(b""))
    add("truncated_half.docx", RETRY, "incomplete", lambda p: p.write_bytes(data[: len(data) // 2]))
    add("truncated_tail.docx", RETRY, "incomplete", lambda p: p.write_bytes(data[:-30]))
    add(
        "preallocated_zeros_tail.docx",
        RETRY,
        "incomplete",
        lambda p: p.write_bytes(data[: len(data) * 6 // 10] + bytes(len(data) * 4 // 10)),
    )
    add("all_zeros.docx", RETRY, "blank", lambda p: p.write_bytes(bytes(4096)))
    add("password_protected.docx", REJECT, "password-protected", ole_encrypted)
    add("password_protected.xlsx", REJECT, "password-protected", ole_encrypted)
    add(
        "pdf_renamed.docx",
        REJECT,
        "PDF",
        lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    )
    add(
        "png_renamed.docx",
        REJECT,
        "PNG image",
        lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64)),
    )
    add(
        "jpeg_renamed.xlsx",
        REJECT,
        "JPEG image",
        lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(64)),
    )
    add(
        "text_renamed.docx",
        REJECT,
        "not a Word",
        lambda p: p.write_bytes(b"Agency: Police\r\nAnswer: Yes\r\n"),
    )
    add(
        "rtf_renamed.docx",
        REJECT,
        "Rich Text",
        lambda p: p.write_bytes(b"{\\rtf1\\ansi hello}"),
    )

    def corrupt(path: Path) -> None:
        raw = bytearray(data)
        with zipfile.ZipFile(good_docx) as package:
            info = package.getinfo("word/document.xml")
        start = info.header_offset + 30 + len(info.filename) + 10
        for i in range(start, start + 40):
            raw[i] ^= 0x5A
        path.write_bytes(bytes(raw))

    add("corrupt_member_bytes.docx", REJECT, "damaged", corrupt)

    def crc_liar(path: Path) -> None:
        rewrite_zip(good_docx, path, compression=zipfile.ZIP_STORED)
        raw = bytearray(path.read_bytes())
        at = raw.index(b"<w:body>")
        raw[at + 1 : at + 2] = b"W"
        path.write_bytes(bytes(raw))

    add("crc_mismatch.docx", REJECT, "damaged", crc_liar)

    with zipfile.ZipFile(good_docx) as package:
        docx_xml = {n: package.read(n) for n in package.namelist() if n.endswith((".xml", ".rels"))}
    for part, payload, label in (
        ("word/document.xml", LAUGHS, "billion_laughs"),
        ("word/document.xml", XXE, "xxe_file"),
        ("word/document.xml", XXE_HTTP, "xxe_http"),
        ("word/document.xml", PARAM, "parameter_entity"),
    ):
        add(
            f"doctype_{label}.docx",
            REJECT,
            "document type declaration",
            lambda p, part=part, payload=payload: rewrite_zip(
                good_docx, p, {part: with_doctype(docx_xml[part], payload)}
            ),
        )
    for part, xml in docx_xml.items():
        safe = part.replace("/", "_").replace("[", "").replace("]", "")
        add(
            f"doctype_in_{safe}.docx",
            REJECT,
            "document type declaration",
            lambda p, part=part, xml=xml: rewrite_zip(good_docx, p, {part: with_doctype(xml, XXE)}),
        )
    with zipfile.ZipFile(good_xlsx) as package:
        xlsx_xml = {n: package.read(n) for n in package.namelist() if n.endswith((".xml", ".rels"))}
    for part, xml in xlsx_xml.items():
        safe = part.replace("/", "_").replace("[", "").replace("]", "")
        add(
            f"doctype_in_{safe}.xlsx",
            REJECT,
            "document type declaration",
            lambda p, part=part, xml=xml: rewrite_zip(
                good_xlsx, p, {part: with_doctype(xml, LAUGHS)}
            ),
        )

    zeros = bytes(150_000_000)
    add(
        "zip_bomb_huge_member.docx",
        REJECT,
        "too large",
        lambda p: rewrite_zip(good_docx, p, add=[("word/media/zeros.bin", zeros)]),
    )
    add(
        "zip_bomb_ratio.docx",
        REJECT,
        "zip bomb",
        lambda p: rewrite_zip(good_docx, p, add=[("word/media/image1.png", zeros[:20_000_000])]),
    )
    add(
        "zip_bomb_total.docx",
        REJECT,
        "too large",
        lambda p: rewrite_zip(
            good_docx,
            p,
            add=[
                (f"word/media/image{i}.bin", random.Random(i).randbytes(45_000_000))
                for i in range(5)
            ],
            compression=zipfile.ZIP_STORED,
        ),
    )
    add(
        "too_many_members.docx",
        REJECT,
        "parts",
        lambda p: rewrite_zip(
            good_docx, p, add=[(f"customXml/item{i}.bin", b"x") for i in range(2100)]
        ),
    )
    add(
        "duplicate_member_names.docx",
        REJECT,
        "appears twice",
        lambda p: rewrite_zip(
            good_docx, p, add=[("word/document.xml", docx_xml["word/document.xml"])]
        ),
    )
    add(
        "zip_slip_dotdot.docx",
        REJECT,
        "outside",
        lambda p: rewrite_zip(good_docx, p, add=[("../x", b"x")]),
    )
    add(
        "zip_slip_absolute.docx",
        REJECT,
        "outside",
        lambda p: rewrite_zip(good_docx, p, add=[("/etc/evil.txt", b"x")]),
    )

    def huge_shared_strings(path: Path) -> None:
        strings = "".join(f"<si><t>{'x' * 60} {i}</t></si>" for i in range(400_000))
        sst = (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="400000" uniqueCount="400000">{strings}</sst>'
        ).encode()
        rewrite_zip(good_xlsx, path, add=[("xl/sharedStrings.xml", sst)])

    add("huge_shared_strings.xlsx", REJECT, "too large", huge_shared_strings)

    def wrong_type(path: Path) -> None:
        types = docx_xml["[Content_Types].xml"].replace(
            b"wordprocessingml.document.main+xml", b"wordprocessingml.fake+xml"
        )
        rewrite_zip(good_docx, path, {"[Content_Types].xml": types})

    add("wrong_content_type.docx", REJECT, "content type", wrong_type)

    def strict(path: Path) -> None:
        rels = docx_xml["_rels/.rels"].replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
        )
        rewrite_zip(good_docx, path, {"_rels/.rels": rels})

    add("strict_open_xml.docx", REJECT, "Strict", strict)

    def odt(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as package:
            package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            package.writestr("content.xml", "<office:document-content/>")

    add("opendocument_renamed.docx", REJECT, "OpenDocument", odt)
    add(
        "plain_zip_renamed.xlsx",
        REJECT,
        "not a Word or Excel",
        lambda p: zipfile.ZipFile(p, "w").writestr("notes.txt", "hello"),
    )

    def forbidden_chars(path: Path) -> None:
        xml = docx_xml["word/document.xml"].replace(b">Yes<", b">Y&#1;es\x02<")
        rewrite_zip(good_docx, path, {"word/document.xml": xml})

    add("xml_forbidden_characters.docx", UNREADABLE, "could not read", forbidden_chars)

    def broken_xml(path: Path) -> None:
        xml = docx_xml["word/document.xml"]
        rewrite_zip(good_docx, path, {"word/document.xml": xml[: len(xml) // 2]})

    add("xml_cut_short.docx", UNREADABLE, "could not read", broken_xml)
    add(
        "multi_megabyte_answer.docx",
        ACCEPT,
        "",
        lambda p: base_docx(p, answer=prose(5_000_000)),
    )
    add("lying_dimension.xlsx", ACCEPT, "", lambda p: lying_dimension(p, work))
    add("largest_allowed_document_xml.docx", ACCEPT, "", lambda p: dense_body(good_docx, p, False))
    add("huge_table.docx", UNREADABLE, "table cells", lambda p: dense_body(good_docx, p, True))
    for name in (
        "Return (final) – Police #2 ü é.docx",
        ("very long name " * 14).strip() + ".docx",
        "no_extension_docx",
        "return.DOCX",
    ):
        add(name, ACCEPT, "", lambda p: shutil.copyfile(good_docx, p))
    add("return_macro_enabled.docm", ACCEPT, "", lambda p: macro_enabled(good_docx, p, "docx"))
    add("return_macro_enabled.xlsm", ACCEPT, "", lambda p: macro_enabled(good_xlsx, p, "xlsx"))
    if legacy:
        add_legacy(folder, good_docx, good_xlsx, out)
    shutil.rmtree(work)
    return out


def dense_body(source: Path, path: Path, table: bool, size: int = 23_500_000) -> Path:
    """A document.xml just under the pre-check's limit, packed with tiny paragraphs or cells."""
    rng = random.Random(3)
    with zipfile.ZipFile(source) as package:
        xml = package.read("word/document.xml")
    cell = b"<w:tc><w:p><w:r><w:t>%d</w:t></w:r></w:p></w:tc>"
    para = b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>"
    parts: list[bytes] = []
    total = 0
    while total < size:
        if table:
            part = b"<w:tr>" + b"".join(cell % rng.randrange(10**6) for _ in range(3)) + b"</w:tr>"
        else:
            part = para % rng.randrange(10**6)
        parts.append(part)
        total += len(part)
    body = b"".join(parts)
    if table:
        body = b"<w:tbl>" + body + b"</w:tbl>"
    at = xml.index(b"<w:body>") + len(b"<w:body>")
    return rewrite_zip(source, path, {"word/document.xml": xml[:at] + body + xml[at:]})


def lying_dimension(path: Path, work: Path, rows: int = 10_000) -> Path:
    """A sheet of `rows` answered rows whose <dimension> claims only A1:B2."""
    base = base_xlsx(work / "many.xlsx", rows=rows)
    with zipfile.ZipFile(base) as package:
        sheet = package.read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    end = sheet.index(b"/>", start) + 2
    sheet = sheet[:start] + b'<dimension ref="A1:B2"/>' + sheet[end:]
    return rewrite_zip(base, path, {"xl/worksheets/sheet1.xml": sheet})


def macro_enabled(source: Path, path: Path, fmt: str) -> Path:
    """A macro-enabled copy (content type and a vbaProject.bin): read as data, never run."""
    with zipfile.ZipFile(source) as package:
        types = package.read("[Content_Types].xml")
    if fmt == "docx":
        types = types.replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        )
        bin_name = "word/vbaProject.bin"
    else:
        types = types.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        bin_name = "xl/vbaProject.bin"
    return rewrite_zip(
        source,
        path,
        {"[Content_Types].xml": types},
        add=[(bin_name, b"\xd0\xcf\x11\xe0" + bytes(60))],
    )


def add_legacy(folder: Path, good_docx: Path, good_xlsx: Path, out: dict[str, Hostile]) -> None:
    """Real Word 97-2003 and Excel 97-2003 files, made by LibreOffice."""
    made = folder / "_legacy"
    doc = convert_with_libreoffice(good_docx, made, target="doc")
    xls = convert_with_libreoffice(good_xlsx, made, target="xls")
    for source, name, reason in (
        (doc, "legacy_word.doc", "old-style Word (.doc)"),
        (xls, "legacy_excel.xls", "old-style Excel (.xls)"),
        (xls, "legacy_excel_renamed.xlsx", "old-style Word or Excel"),
        (doc, "legacy_word_renamed.docx", "old-style Word or Excel"),
    ):
        shutil.copyfile(source, folder / name)
        out[name] = Hostile(folder / name, REJECT, reason)
    shutil.rmtree(made)


IGNORED = (
    "~$port.docx",
    "~WRL0001.tmp",
    "download.tmp",
    ".~lock.return.docx#",
    "._return.docx",
    ".hidden.docx",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    "A1B2C3D4",
    ".git/return.docx",
)
NOT_IGNORED = ("return.docx", "Return ~ Police.xlsx", "~draft.docx", "section11.tmp.docx")
