"""qap.toml: the partnership, its agencies and settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.config import load_partnership
from pipeline.errors import WorkspaceError
from pipeline.workspace import Workspace


def test_sample_partnership_has_ten_agencies(workspace: Workspace) -> None:
    partnership = workspace.partnership()
    assert partnership.name == "Northshire Safeguarding Children Partnership"
    assert len(partnership.agencies) == 10
    police = partnership.agency("police")
    assert police is not None
    assert "Northshire Constabulary" in police.names()
    assert partnership.settings.tracker == "outbox/tracker.xlsx"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[partnership]\n", r"add a \[partnership\] table"),
        (
            '[partnership]\nname = "X"\n[[agencies]]\nkey = "Police Force"\nname = "P"\n',
            "lowercase",
        ),
        ('[partnership]\nname = "X"\n[[agencies]]\nkey = "p"\n', "needs both key and name"),
        (
            '[partnership]\nname = "X"\n[[agencies]]\nkey = "p"\nname = "A"\n[[agencies]]\nkey = "p"\nname = "B"\n',
            "listed twice",
        ),
        ('[partnership\nname = "X"\n', "not valid TOML"),
        ('[partnership]\nname = "X"\n[settings]\namber_days = "soon"\n', "must be numbers"),
    ],
)
def test_bad_config_is_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "qap.toml"
    path.write_text(text)
    with pytest.raises(WorkspaceError, match=message):
        load_partnership(path)


def test_partnership_is_read_again_only_when_qap_toml_changes(workspace: Workspace) -> None:
    first = workspace.partnership()
    assert workspace.partnership() is first
    path = workspace.config_path
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("amber_days = 30", "amber_days = 45"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert workspace.partnership().settings.amber_days == 45
