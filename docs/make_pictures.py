"""Remake the pictures in docs/images/ from the demo's real output: `python docs/make_pictures.py`.

Runs `qap demo` in a temporary workspace, converts a form, two reports and the tracker to PDF with
LibreOffice (as a coordinator's Word or Excel would print them), and renders the chosen pages to
PNG with pdftoppm. Pages are chosen by what they say, so the pictures follow the report's layout.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pipeline.convert import convert_with_libreoffice
from pipeline.demo.run import run_demo
from pipeline.workspace import Workspace, init_workspace

log = logging.getLogger("make_pictures")

IMAGES = Path(__file__).resolve().parent / "images"
DPI = 70
GAP = 16
BACKGROUND = (225, 228, 232)


@dataclass(frozen=True)
class Picture:
    """One picture: the file it shows (relative to the workspace) and its pages, side by side.

    A page is a number, or a phrase: the first page (after the contents) whose text holds it.
    """

    name: str
    source: str
    pages: tuple[int | str, ...]
    dpi: int = DPI
    # Left, top, right, bottom as fractions of the page: a wide sheet is cropped to be legible.
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


PICTURES = (
    Picture("form.png", "outbox/forms/domestic-abuse-2026/police.docx", (1,)),
    Picture(
        "report-cover.png",
        "outbox/reports/domestic-abuse-2026/domestic-abuse-2026-draft-latest.docx",
        (1, "Executive summary"),
    ),
    Picture(
        "report-findings.png",
        "outbox/reports/domestic-abuse-2026/domestic-abuse-2026-draft-latest.docx",
        ("Figure 1:",),
    ),
    Picture(
        "report-section11-grid.png",
        "outbox/reports/section11-2026/section11-2026-draft-latest.docx",
        ("Self-ratings by standard and agency",),
    ),
    Picture("tracker.png", "outbox/tracker.xlsx", (1,), dpi=110, crop=(0.0, 0.05, 0.66, 0.835)),
)


def page_text(pdf: Path, page: int) -> str:
    """The text of one page of a PDF."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def page_count(pdf: Path) -> int:
    """How many pages a PDF has."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def find_page(pdf: Path, wanted: int | str) -> int:
    """The page number asked for, or the first page past the contents whose text holds the phrase."""
    if isinstance(wanted, int):
        return wanted
    for page in range(1, page_count(pdf) + 1):
        text = page_text(pdf, page)
        if wanted in text and "Contents" not in text:
            return page
    raise SystemExit(f"no page of {pdf.name} says {wanted!r}; update PICTURES in {__file__}")


def render(pdf: Path, page: int, out: Path, picture: Picture) -> Image.Image:
    """One page of a PDF as an image, cropped as the picture asks."""
    stem = out / f"{pdf.stem}-{page}"
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    dpi = str(picture.dpi)
    subprocess.run(["pdftoppm", "-png", "-r", dpi, *pages, str(pdf), str(stem)], check=True)
    image = Image.open(f"{stem}.png").convert("RGB")
    left, top, right, bottom = picture.crop
    w, h = image.size
    return image.crop((round(left * w), round(top * h), round(right * w), round(bottom * h)))


def side_by_side(pages: list[Image.Image]) -> Image.Image:
    """Pages next to each other on a grey desk, each with a thin border, as a reader sees them."""
    if len(pages) == 1:
        return pages[0]
    width = sum(p.width for p in pages) + GAP * (len(pages) + 1)
    height = max(p.height for p in pages) + 2 * GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    x = GAP
    for page in pages:
        sheet.paste(page, (x, GAP))
        x += page.width + GAP
    return sheet


def make_pictures(workspace: Workspace, scratch: Path) -> list[Path]:
    """Convert and render every picture into docs/images; returns the files written."""
    pdfs: dict[str, Path] = {}
    written = []
    IMAGES.mkdir(parents=True, exist_ok=True)
    for picture in PICTURES:
        if picture.source not in pdfs:
            outdir = scratch / f"pdf-{len(pdfs)}"
            pdfs[picture.source] = convert_with_libreoffice(workspace.root / picture.source, outdir)
        pdf = pdfs[picture.source]
        pages = [render(pdf, find_page(pdf, w), scratch, picture) for w in picture.pages]
        target = IMAGES / picture.name
        side_by_side(pages).save(target, optimize=True)
        log.info("wrote %s (%d kB)", target, target.stat().st_size // 1024)
        written.append(target)
    return written


def main() -> None:
    """Run the demo in a temporary workspace and make every picture from it."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="qap-pictures-") as scratch:
        root = Path(scratch) / "workspace"
        init_workspace(root)
        workspace = Workspace(root.resolve())
        run_demo(workspace, log.info)
        written = make_pictures(workspace, Path(scratch))
    total = sum(p.stat().st_size for p in written)
    log.info("%d pictures, %d kB in all", len(written), total // 1024)


if __name__ == "__main__":
    main()
