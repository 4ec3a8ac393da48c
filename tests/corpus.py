"""Builds the corpus of returns in every style agencies send, each named after what it tests.

The WordprocessingML pieces (form fields, content controls, tables) live in pipeline.demo.wordml,
shared with `qap demo`.

Each entry carries the answers qap must read from it (normalised values by question id, per
case, actions), so reader, identify and normalise tests share one set of truths.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from lxml import etree

from pipeline.convert import convert_with_libreoffice
from pipeline.demo.wordml import (
    add_xml,
    banner,
    deleted,
    document_with_title,
    inserted,
    legacy_checkbox,
    legacy_dropdown,
    legacy_text,
    run,
    sdt_checkbox,
    sdt_date,
    sdt_dropdown,
    sdt_placeholder,
    table,
)

TP26 = "teen-pregnancy-2026"
TP26_TITLE = "Teen Pregnancy Pathway: use and impact (repeat audit)"
Q = {
    "1.1": "Are practitioners in your agency aware of the Northshire Teen Pregnancy Pathway and how to refer to it?",
    "1.2": "How is the pathway promoted to staff who work with young people under 19?",
    "2.1": "Was the young person referred to the Teen Pregnancy Pathway?",
    "2.2": "How timely was the identification of the pregnancy and the referral to the pathway?",
    "3.1": "How would you grade the support given to the young parent through the pathway?",
    "4.3": "What would improve the use and impact of the pathway in your agency?",
    "5.1": "Has your agency completed the actions it agreed after the 2025 Teen Pregnancy Pathway audit?",
    "5.2": "What has changed in your agency's practice with pregnant young people and young parents since the last audit?",
}


@dataclass(frozen=True)
class Expected:
    """What qap must read from a corpus file."""

    audit_id: str
    agency_key: str
    style: str
    answers: dict[str, str | None] = field(default_factory=dict)
    cases: dict[int, dict[str, str | None]] = field(default_factory=dict)
    refs: dict[int, str] = field(default_factory=dict)
    actions: tuple[tuple[str, str, str | None], ...] = ()
    method: str = "labels"
    issue_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CorpusFile:
    """A built corpus file and what must be read from it."""

    path: Path
    expected: Expected


def retyped_table(path: Path) -> Expected:
    """Teen pregnancy 2026 retyped by Housing: ids, banners, per-case columns, actions table."""
    document = docx.Document()
    document.add_paragraph(TP26_TITLE, style="Title")
    document.add_paragraph("Agency: Northshire Homes")
    document.add_paragraph("Completed by: A. Example, Tenancy Services Lead")
    grid = table(
        document,
        ["No.", "Question", "Answer"],
        [
            ["", "", ""],
            ["1.1", Q["1.1"], "yes"],
            ["1.2", Q["1.2"], "Induction and the intranet."],
            ["", "", ""],
            ["4.3", Q["4.3"], "More joint visits."],
            ["5.1", Q["5.1"], "Partly"],
            ["5.2", Q["5.2"], "Referral forms now ask about the father."],
        ],
    )
    banner(grid, 1, "Section 1: Awareness of the pathway")
    banner(grid, 4, "Section 4 and 5")
    document.add_paragraph("Cases audited")
    table(
        document,
        ["Q", "Question", "Case 1", "Case 2"],
        [
            ["", "Case reference", "HX-101", "HX-102"],
            ["2.1", Q["2.1"], "Y", "N"],
            ["2.2", Q["2.2"], "Good", "RI"],
            ["3.1", Q["3.1"], "outstanding", "Req. improvement"],
        ],
    )
    document.add_paragraph("Actions")
    table(
        document,
        ["Action", "Owner", "Target date"],
        [
            ["Add pathway to induction", "Training lead", "14/02/2027"],
            ["Audit young fathers recording", "Team manager", "2 March 2027"],
            ["", "", ""],
        ],
    )
    document.save(str(path))
    return Expected(
        TP26,
        "housing",
        "table",
        answers={
            "1.1": "Yes",
            "1.2": "Induction and the intranet.",
            "4.3": "More joint visits.",
            "5.1": "Partly",
            "5.2": "Referral forms now ask about the father.",
        },
        cases={
            1: {"2.1": "Yes", "2.2": "Good", "3.1": "Outstanding"},
            2: {"2.1": "No", "2.2": "Requires improvement", "3.1": "Requires improvement"},
        },
        refs={1: "HX-101", 2: "HX-102"},
        actions=(
            ("Add pathway to induction", "Training lead", "2027-02-14"),
            ("Audit young fathers recording", "Team manager", "2027-03-02"),
        ),
        issue_kinds=frozenset({"missing"}),
    )


def columns_swapped(path: Path) -> Expected:
    """Answer first, then reworded questions, then the id; some ids dropped; an extra row."""
    document = docx.Document()
    document.add_paragraph("Teen Pregnancy Pathway audit 2026 - return", style="Title")
    document.add_paragraph("Organisation: Youth Offending Team")
    table(
        document,
        ["Response", "Audit question", "Ref"],
        [
            [
                "No",
                "Are staff in your agency aware of the Teen Pregnancy Pathway and how to refer?",
                "",
            ],
            [
                "Posters in the team office.",
                Q["1.2"].replace("young people under 19", "under-19s"),
                "1.2",
            ],
            ["See our service plan.", "Any other comments?", ""],
            ["Not sure yet", Q["5.1"], "5.1"],
        ],
    )
    document.save(str(path))
    return Expected(
        TP26,
        "youth-justice",
        "table",
        answers={"1.1": "No", "1.2": "Posters in the team office.", "5.1": None},
        issue_kinds=frozenset({"missing", "invalid", "unknown"}),
    )


def legacy_fields(path: Path) -> Expected:
    """A Section 11 return on an old template: check boxes, drop-downs and text form fields."""
    document = docx.Document()
    document.add_paragraph("Section 11 (Children Act 2004) self-assessment", style="Title")
    label = document.add_paragraph("Agency: ")
    add_xml(label, legacy_text("Northshire ", "Constabulary"))
    rating = ["Fully met", "Mostly met", "Partially met", "Not met", "Not applicable"]
    grid = table(
        document, ["Standard", "Rating / evidence"], [["1.1", ""], ["1.2", ""], ["2.1", ""]]
    )
    add_xml(grid.rows[1].cells[1].paragraphs[0], legacy_dropdown(rating, 1))  # type: ignore[attr-defined]
    cell = grid.rows[2].cells[1]  # type: ignore[attr-defined]
    add_xml(cell.paragraphs[0], legacy_text("Board minutes ", "show quarterly ", "reports."))
    add_xml(cell.add_paragraph(), legacy_text("Annual report to the NSCP."))
    add_xml(grid.rows[3].cells[1].paragraphs[0], legacy_dropdown(rating, 4))  # type: ignore[attr-defined]
    document.add_paragraph("Confirmation")
    checks = table(document, ["Q", "Question", "Answer"], [["3.1", "Listening to children", ""]])
    add_xml(
        checks.rows[1].cells[2].paragraphs[0],  # type: ignore[attr-defined]
        legacy_checkbox(False, "Fully met") + legacy_checkbox(True, "Partially met"),
    )
    document.save(str(path))
    return Expected(
        "section11-2026",
        "police",
        "legacy-fields",
        answers={
            "1.1": "Mostly met",
            "1.2": "Board minutes show quarterly reports.\nAnnual report to the NSCP.",
            "2.1": "Not applicable",
            "3.1": "Partially met",
        },
        issue_kinds=frozenset({"missing"}),
    )


def content_controls(path: Path) -> Expected:
    """Early years MARU: content-control check boxes, drop-downs, date pickers and placeholders."""
    document = document_with_title(
        "Safeguarding in early years: children aged 2 to 5 referred to the MARU"
    )
    document.add_paragraph("Agency: Nurseries")
    grid = table(
        document,
        ["ID", "Question", "Case 1", "Case 2"],
        [
            ["", "Case ref", "EY-1", "EY-2"],
            ["2.2", "", "", ""],
            ["2.4", "", "", ""],
            ["2.6", "", "", ""],
        ],
    )
    cells = grid.rows  # type: ignore[attr-defined]
    add_xml(cells[2].cells[2].paragraphs[0], sdt_date("2026-05-14", "14/05/2026"))
    add_xml(cells[2].cells[3].paragraphs[0], sdt_placeholder("Click or tap to enter a date."))
    options = ["Advice and information", "Early Help", "No further action"]
    add_xml(cells[3].cells[2].paragraphs[0], sdt_dropdown(options, "Early Help"))
    add_xml(cells[3].cells[3].paragraphs[0], sdt_dropdown(options, "no further action"))
    add_xml(cells[4].cells[2].paragraphs[0], sdt_checkbox(True, "Yes") + sdt_checkbox(False, "No"))
    add_xml(cells[4].cells[3].paragraphs[0], sdt_checkbox(False, "Yes") + sdt_checkbox(True, "No"))
    answers = table(document, ["ID", "Question", "Answer"], [["1.2", "Threshold", ""]])
    add_xml(
        answers.rows[1].cells[2].paragraphs[0],  # type: ignore[attr-defined]
        sdt_checkbox(False, "Yes") + sdt_checkbox(True, "Partly") + sdt_checkbox(False, "No"),
    )
    document.save(str(path))
    return Expected(
        "early-years-maru-2026",
        "early-years",
        "content-controls",
        answers={"1.2": "Partly"},
        cases={
            1: {"2.2": "2026-05-14", "2.4": "Early Help", "2.6": "Yes"},
            2: {"2.2": None, "2.4": "No further action", "2.6": "No"},
        },
        refs={1: "EY-1", 2: "EY-2"},
        issue_kinds=frozenset({"missing"}),
    )


def tracked_changes(path: Path) -> Expected:
    """Answers edited with Track Changes on: read as if every change were accepted."""
    document = document_with_title("Teen Pregnancy Pathway: use and impact")
    document.add_paragraph("Agency: Acute Trust")
    grid = table(
        document, ["No", "Question", "Answer"], [["1.1", "Aware?", ""], ["1.2", "Promoted?", ""]]
    )
    rows = grid.rows  # type: ignore[attr-defined]
    add_xml(rows[1].cells[2].paragraphs[0], deleted("Partly") + inserted("Yes"))
    add_xml(
        rows[2].cells[2].paragraphs[0],
        run("Through ") + deleted("posters and ") + inserted("mandatory ") + run("training."),
    )
    document.save(str(path))
    return Expected(
        "teen-pregnancy-2025",
        "acute-hospital",
        "table",
        answers={"1.1": "Yes", "1.2": "Through mandatory training."},
        issue_kinds=frozenset({"missing"}),
    )


def paragraphs(path: Path) -> Expected:
    """No tables: numbered questions, answers over several paragraphs and runs, case headings."""
    document = document_with_title(TP26_TITLE)
    document.add_paragraph("Agency: Community Health")
    document.add_paragraph(f"1.1 {Q['1.1']}")
    document.add_paragraph("Answer: Yes")
    document.add_paragraph(f"1.2 {Q['1.2']}")
    split = document.add_paragraph("Through the ")
    split.add_run("safeguarding ").bold = True
    split.add_run("newsletter")
    split.add_run().add_break(WD_BREAK.LINE)
    split.add_run("and team briefings.")
    document.add_paragraph("We also use the intranet.")
    document.add_paragraph("Case 1: CH-77", style="Heading 2")
    document.add_paragraph(f"2.1 {Q['2.1']}")
    document.add_paragraph("No")
    document.add_paragraph("Section 5", style="Heading 2")
    document.add_paragraph(f"5.1 {Q['5.1']} Answer: yes")
    document.save(str(path))
    return Expected(
        TP26,
        "community-health",
        "paragraphs",
        answers={
            "1.1": "Yes",
            "1.2": "Through the safeguarding newsletter\nand team briefings.\nWe also use the intranet.",
            "5.1": "Yes",
        },
        cases={1: {"2.1": "No"}},
        refs={1: "CH-77"},
        issue_kinds=frozenset({"missing"}),
    )


def glyph_ticks(path: Path) -> Expected:
    """☒/☐ typed as characters, label after or before the box."""
    document = document_with_title("Working with fathers (quantitative)")
    document.add_paragraph("Agency: Probation")
    table(
        document,
        ["No.", "Question", "Answer"],
        [
            [
                "1.1",
                "Does your agency have a written policy on working with fathers?",
                "☐ Yes ☒ No",
            ],
            ["1.2", "How many staff have completed training?", "1,204"],
        ],
    )
    table(
        document,
        ["No.", "Question", "Case 1", "Case 2"],
        [["2.1", "Is the father's name recorded?", "Yes ☒  No ☐", "Yes ☐  No ☐"]],
    )
    document.save(str(path))
    return Expected(
        "fathers-2026",
        "probation",
        "table",
        answers={"1.1": "No", "1.2": "1204"},
        cases={1: {"2.1": "Yes"}},
        issue_kinds=frozenset({"missing"}),
    )


Builder = Callable[[Path], Expected]
DOCX_BUILDERS: dict[str, Builder] = {
    "retyped_table_with_banners_cases_actions.docx": retyped_table,
    "retyped_table_columns_swapped_reworded.docx": columns_swapped,
    "legacy_formfields_dropdowns_checkboxes.docx": legacy_fields,
    "content_controls_checkbox_dropdown_date.docx": content_controls,
    "tracked_changes.docx": tracked_changes,
    "paragraphs_multi_paragraph_answers.docx": paragraphs,
    "glyph_checkboxes.docx": glyph_ticks,
}


def build_corpus(folder: Path, *, libreoffice: bool = True) -> dict[str, CorpusFile]:
    """Write every corpus file into `folder`; returns them by name."""
    from tests.corpus_xlsx import XLSX_BUILDERS

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, CorpusFile] = {}
    for name, builder in {**DOCX_BUILDERS, **XLSX_BUILDERS}.items():
        path = folder / name
        out[name] = CorpusFile(path, builder(path))
    if libreoffice:
        for source, name in (
            ("retyped_table_with_banners_cases_actions.docx", "libreoffice_saved.docx"),
            ("spreadsheet_header_block.xlsx", "libreoffice_saved.xlsx"),
        ):
            made = convert_with_libreoffice(
                out[source].path, folder / "_lo", target=name.split(".")[1]
            )
            shutil.move(made, folder / name)
            out[name] = CorpusFile(folder / name, out[source].expected)
        shutil.rmtree(folder / "_lo")
    return out


_BUILT: dict[str, dict[str, CorpusFile]] = {}


def built_corpus() -> dict[str, CorpusFile]:
    """The corpus, built once per test run into a temporary folder (removed at exit)."""
    if "corpus" not in _BUILT:
        import atexit
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="qap-corpus-"))
        atexit.register(shutil.rmtree, folder, True)
        _BUILT["corpus"] = build_corpus(folder)
    return _BUILT["corpus"]


def read_and_normalise(path: Path, workspace: object) -> object:
    """A file read, identified and normalised against a workspace, as intake would."""
    from pipeline.definitions import load_catalogue
    from pipeline.identify import identify_return
    from pipeline.normalise import normalise_return
    from pipeline.readers import read_return
    from pipeline.workspace import Workspace
    from tests.corpus_xlsx import install_test_audits

    assert isinstance(workspace, Workspace)
    install_test_audits(workspace.audits_dir)
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    raw = read_return(path)
    identification = identify_return(
        raw, workspace.partnership(), catalogue, key=b"key", workspace_id="ws"
    )
    return normalise_return(raw, catalogue.get(identification.audit_id), identification)


def differences(result: object, expected: Expected) -> list[str]:
    """How a normalised AuditReturn differs from what the corpus expects (empty when it matches)."""
    from pipeline.model import AuditReturn

    assert isinstance(result, AuditReturn)
    out: list[str] = []
    if (result.audit_id, result.agency_key) != (expected.audit_id, expected.agency_key):
        out.append(f"identified as {result.audit_id}/{result.agency_key}")
    if result.style != expected.style:
        out.append(f"style {result.style}")
    for qid, value in expected.answers.items():
        if result.value(qid) != value:
            out.append(f"{qid}: {result.value(qid)!r} != {value!r}")
    cases = {case.index: case for case in result.cases}
    for index, answers in expected.cases.items():
        for qid, value in answers.items():
            got = cases[index].value(qid) if index in cases else "(no case)"
            if got != value:
                out.append(f"case {index} {qid}: {got!r} != {value!r}")
    for index, ref in expected.refs.items():
        if index not in cases or cases[index].ref != ref:
            out.append(f"case {index} ref")
    actions = tuple((a.action, a.owner, a.target_date) for a in result.actions)
    if actions != expected.actions:
        out.append(f"actions {actions}")
    kinds = {issue.kind for issue in result.issues}
    if kinds != expected.issue_kinds:
        out.append(f"issue kinds {sorted(kinds)}")
    return out


def fill_qap_docx(form: Path, target: Path, values: dict[str, str], *, keep_identity: bool) -> Path:
    """A qap Word form with its tagged controls filled in; optionally with its identity removed."""
    import zipfile

    from tests.hostile import rewrite_zip

    w_ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(form) as package:
        root = etree.fromstring(package.read("word/document.xml"))
        custom = package.read("docProps/custom.xml")
    for sdt in root.iter(f"{{{w_ns}}}sdt"):
        tag = sdt.find(f"{{{w_ns}}}sdtPr/{{{w_ns}}}tag")
        value = values.get(tag.get(f"{{{w_ns}}}val", "")) if tag is not None else None
        if value is None:
            continue
        props = sdt.find(f"{{{w_ns}}}sdtPr")
        for flag in props.findall(f"{{{w_ns}}}showingPlcHdr"):
            props.remove(flag)
        texts = list(sdt.iter(f"{{{w_ns}}}t"))
        texts[0].text = value
        for extra in texts[1:]:
            extra.text = ""
    replace = {"word/document.xml": etree.tostring(root, xml_declaration=True, encoding="UTF-8")}
    if not keep_identity:
        replace["docProps/custom.xml"] = custom.replace(b"qap-identity", b"other-property")
    return rewrite_zip(form, target, replace)
