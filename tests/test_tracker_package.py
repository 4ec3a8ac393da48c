"""What a load-and-save would drop, found from the zip alone; owner files; fingerprints."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference

from pipeline.tracker.package import dropped_features, fingerprint, owner_files
from pipeline.tracker.service import apply_returns
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health


def _tracker(workspace: Workspace) -> Path:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    return workspace.tracker_path()


def test_qap_own_summary_chart_is_not_counted(workspace: Workspace) -> None:
    path = _tracker(workspace)
    with zipfile.ZipFile(path) as package:
        assert any(n.startswith("xl/charts/") for n in package.namelist())
    assert dropped_features(path) == []


def test_a_chart_the_group_added_is_found(workspace: Workspace) -> None:
    path = _tracker(workspace)
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=3))
    sheet.add_chart(chart, "R2")
    book.save(path)
    found = dropped_features(path)
    assert "a chart (xl/charts/chart2.xml)" in found or "a chart (xl/charts/chart1.xml)" in found
    assert any(f.startswith("a drawing") for f in found)


def test_excel_2010_extensions_and_custom_xml_are_found(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _tracker(workspace)
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</worksheet>",
                    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}">'
                    b"<x14:dataValidations/></ext></extLst></worksheet>",
                )
            target.writestr(item, data)
        target.writestr("customXml/item1.xml", "<root/>")
    found = dropped_features(edited)
    assert "a drop-down list that refers to another sheet (xl/worksheets/sheet1.xml)" in found
    assert "custom XML data (customXml/item1.xml)" in found


def test_owner_files_and_fingerprints(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    assert fingerprint(path) is None
    path.write_bytes(b"one")
    first = fingerprint(path)
    assert owner_files(path) == []
    (tmp_path / "~$tracker.xlsx").write_bytes(b"x")
    (tmp_path / ".~lock.tracker.xlsx#").write_bytes(b"x")
    assert [p.name for p in owner_files(path)] == ["~$tracker.xlsx", ".~lock.tracker.xlsx#"]
    path.write_bytes(b"two")
    assert fingerprint(path) != first
