"""The DTD scan: a declaration is found wherever a parser would honour it, reading only the prolog."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from pipeline.readers.dtd import GLANCE, HEAD, declares_dtd, has_marker, prolog_verdict

XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DECL16 = '<?xml version="1.0" encoding="UTF-16"?>'

WITH_DTD = {
    "after the declaration": (DECL + XXE + "<r/>", "utf-8"),
    "no declaration": (XXE + "<r/>", "utf-8"),
    "lower case": (DECL + "<!doctype r><r/>", "utf-8"),
    "after a comment holding <": (DECL + "<!-- a < b -->" + XXE + "<r/>", "utf-8"),
    "after a processing instruction": (DECL + "<?mso-application x?>\n  " + XXE + "<r/>", "utf-8"),
    "after a 3 MB comment": (DECL + "<!--" + "x" * 3_000_000 + "-->" + XXE + "<r/>", "utf-8"),
    "after 200,000 comments": (DECL + "<!---->" * 200_000 + XXE + "<r/>", "utf-8"),
    "across the first read": (DECL + " " * 16_370 + XXE + "<r/>", "utf-8"),
    "byte order mark": ("\ufeff" + DECL + XXE + "<r/>", "utf-8"),
    "UTF-16 with BOM": ("\ufeff" + DECL16 + XXE + "<r/>", "utf-16-le"),
    "UTF-16 LE": (DECL16 + XXE + "<r/>", "utf-16-le"),
    "UTF-16 BE": (DECL16 + XXE + "<r/>", "utf-16-be"),
    # Characters whose low bytes read as "-->" and "<a" if UTF-16 were read byte by byte.
    "UTF-16 comment of look-alikes": (DECL16 + "<!--ĭĭľļa-->" + XXE + "<r/>", "utf-16-le"),
    "UTF-7, where no byte is <": ('<?xml version="1.0" encoding="UTF-7"?>' + XXE + "<r/>", "utf-7"),
    "unknown encoding": ('<?xml version="1.0" encoding="x-qap"?>' + XXE + "<r/>", "utf-8"),
    "UTF-7 named past the first read": (
        '<?xml version="1.0"' + " " * 3000 + 'encoding="UTF-7"?>' + XXE + "<r/>",
        "utf-7",
    ),
}
WITHOUT_DTD = {
    "plain": (DECL + "<r>text</r>", "utf-8"),
    "DOCTYPE text inside a processing instruction": (DECL + "<?x <!DOCTYPE r?><r/>", "utf-8"),
    "ENTITY after the root started": (DECL + '<r><![CDATA[<!ENTITY x "y">]]></r>', "utf-8"),
    "empty part": ("", "utf-8"),
    "declaration only": (DECL, "utf-8"),
    "UTF-16 plain": (DECL16 + "<r>ĭĭľ</r>", "utf-16"),
}


@pytest.mark.parametrize("name", WITH_DTD)
def test_a_dtd_before_the_root_is_found(name: str) -> None:
    text, encoding = WITH_DTD[name]
    assert declares_dtd(io.BytesIO(text.encode(encoding))) is True


@pytest.mark.parametrize("name", WITHOUT_DTD)
def test_parts_without_a_dtd_pass(name: str) -> None:
    text, encoding = WITHOUT_DTD[name]
    assert declares_dtd(io.BytesIO(text.encode(encoding))) is False


@pytest.mark.parametrize(
    "name", [n for n, (_, enc) in WITH_DTD.items() if enc in ("utf-8", "utf-16-le", "utf-16-be")]
)
def test_the_whole_part_fallback_agrees_where_both_can_read(name: str) -> None:
    text, encoding = WITH_DTD[name]
    data = text.encode(encoding)
    assert has_marker(data) is declares_dtd(io.BytesIO(data)) is True


def test_the_prolog_is_all_that_is_read() -> None:
    stream = io.BytesIO((DECL + "<r>" + "x" * 1_000_000 + "</r>").encode())
    assert declares_dtd(stream) is False
    assert stream.tell() <= 1 << 14


@pytest.mark.parametrize(
    "body",
    [
        "<r>&xxe;</r>",
        '<r><![CDATA[<!DOCTYPE r [<!ENTITY x "y">]>]]>&x;</r>',
        '<r/><!DOCTYPE r [<!ENTITY x "y">]>',
    ],
)
def test_what_the_scan_lets_through_the_parser_refuses(body: str) -> None:
    data = (DECL + body).encode()
    assert declares_dtd(io.BytesIO(data)) is False
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(data, parser)


@pytest.mark.parametrize("name", [*WITH_DTD, *WITHOUT_DTD])
def test_the_quick_verdict_from_the_first_bytes_never_disagrees_with_the_scan(name: str) -> None:
    text, encoding = {**WITH_DTD, **WITHOUT_DTD}[name]
    data = text.encode(encoding)
    verdict = prolog_verdict(data[:HEAD])
    assert verdict is None or verdict is declares_dtd(io.BytesIO(data))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DECL + XXE + "<r/>", True),
        (DECL + "<!-- a < b -->\n<?mso x?>" + XXE + "<r/>", True),
        (DECL + "<w:document xmlns:w='x'><w:body/></w:document>", False),
        # As python-docx and LibreOffice write them, settled from the bytes alone.
        ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<w:document/>", False),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content/>', False),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY x "y">]><r/>', True),
        ("\ufeff" + DECL + "<Types/>" + " " * 8, False),
        # Left to the streaming scan: the prolog runs past the first bytes, or is unusual.
        (DECL + "<!--" + "x" * 2000 + "-->" + "<r/>", None),
        (DECL16 + "<r/>", None),
        (DECL + "<![CDATA[x]]><r/>", None),
        (DECL + "<r/>", False),  # the usual declaration, then a root element
        ("<worksheet xmlns='x'><sheetData/></worksheet>", False),  # openpyxl: no declaration
        ("\ufeff\r\n<Types xmlns='x'/>", False),
        ("<r/>", None),  # too short to tell the root from a truncated marker, as below
        ("<?xml version='1.0'?><r/>", None),  # too short to tell the root from a truncated marker
    ],
)
def test_the_quick_verdict_settles_the_common_prologs(text: str, expected: bool | None) -> None:
    encoding = "utf-16-le" if text.startswith(DECL16) else "utf-8"
    assert prolog_verdict(text.encode(encoding)[:HEAD]) is expected


def test_a_verdict_on_a_glance_is_the_verdict_on_the_whole_head() -> None:
    # The pre-check judges a part's first GLANCE bytes and inflates HEAD only when they do not
    # settle it: any prefix must give no verdict or the same one.
    heads = [
        text.encode(codec)[:HEAD]
        for text, codec in (*WITH_DTD.values(), *WITHOUT_DTD.values())
        if codec == "utf-8"
    ]
    heads += [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document xmlns:w="x"/>',
        b"<worksheet xmlns='x'><sheetData/></worksheet>",
        b"<?xml version='1.0'?><!-- <!DOCTYPE --><!--x--><r/>",
        b"<?xml version='1.0'?>  <?pi ?><!DOCTYPE r><r/>",
    ]
    settled = 0
    for head in heads:
        whole = prolog_verdict(head)
        for end in range(len(head) + 1):
            glance = prolog_verdict(head[:end])
            assert glance is None or glance == whole, (head, end)
        settled += prolog_verdict(head[:GLANCE]) is not None
    assert settled >= len(heads) // 2
