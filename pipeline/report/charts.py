"""Charts for the report: bar charts drawn with matplotlib (Agg), greyscale-safe, cached by their data."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.temps import new_temp

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)

# Bump when the drawing code changes, so cached images drawn the old way are not reused.
STYLE_VERSION = "3"
WIDTH_CM = 15.0
DPI = 200
# Fills run dark to light and each has its own hatch, so bars stay distinct in black-and-white
# print; every bar is also labelled with its number, and a table beside it gives the figures.
_FILLS = (
    ("#1F3864", ""),
    ("#6F8FC7", ".."),
    ("#F2C14E", "//"),
    ("#C0504D", "xx"),
    ("#BFBFBF", "\\\\"),
    ("#FFFFFF", "--"),
    ("#7F7F7F", "++"),
)
_SERIES = (("#BFBFBF", "//"), ("#1F3864", ""))
_INK = "#262626"


@dataclass(frozen=True)
class ChartSpec:
    """What one chart shows; two specs with equal data draw the same image.

    kind "counts": one bar per label (values are counts); kind "compare": one group per label
    with one bar per series (values are percentages).
    """

    kind: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = ""
    alt: str = ""

    def key(self) -> str:
        """A hash of the chart's data and the drawing style: the cache file name."""
        data = json.dumps({"style": STYLE_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def chart_png(spec: ChartSpec, cache_dir: Path) -> Path:
    """The PNG of a chart, drawn only when no image for the same data is cached yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{spec.key()}.png"
    if path.is_file():
        return path
    data = _draw(spec)
    tmp = new_temp(cache_dir)
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("drew chart %s", path.name)
    return path


def chart_height_cm(spec: ChartSpec) -> float:
    """The printed height of a chart: room for every bar, and never a tall empty box."""
    bars = len(spec.labels) * (1 if spec.kind == "counts" else len(spec.series) * 0.75)
    return round(1.6 + 0.75 * bars, 2)


def _draw(spec: ChartSpec) -> bytes:
    import io

    # Imported here: matplotlib takes most of a second to import, and `qap --help` must not wait.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_CM / 2.54, chart_height_cm(spec) / 2.54), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if spec.kind == "compare":
        _compare(axes, spec)
    else:
        _counts(axes, spec)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=_INK, labelsize=8)
    axes.xaxis.label.set_color(_INK)
    figure.tight_layout(pad=0.4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _counts(axes: Axes, spec: ChartSpec) -> None:
    from matplotlib.ticker import MaxNLocator

    values = spec.series[0][1] if spec.series else ()
    total = sum(values) or 1
    positions = list(range(len(spec.labels)))[::-1]
    for index, (position, value) in enumerate(zip(positions, values, strict=True)):
        fill, hatch = _FILLS[index % len(_FILLS)]
        axes.barh(
            position, value, height=0.62, color=fill, hatch=hatch, edgecolor=_INK, linewidth=0.6
        )
        share = round(100 * value / total)
        axes.text(value, position, f"  {value:g} ({share}%)", va="center", fontsize=8, color=_INK)
    axes.set_yticks(positions, [_wrap(label) for label in spec.labels])
    axes.set_xlim(0, max(values or (1,)) * 1.3 + 0.5)
    axes.set_xlabel(f"Number of {spec.unit}" if spec.unit else "Number", fontsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _compare(axes: Axes, spec: ChartSpec) -> None:
    groups = len(spec.labels)
    width = 0.8 / max(len(spec.series), 1)
    for index, (name, values) in enumerate(spec.series):
        fill, hatch = _SERIES[index % len(_SERIES)]
        positions = [
            groups - 1 - g + (len(spec.series) - 1 - index - 0.5) * width for g in range(groups)
        ]
        axes.barh(
            positions,
            values,
            height=width * 0.9,
            color=fill,
            hatch=hatch,
            edgecolor=_INK,
            linewidth=0.6,
            label=name,
        )
        for position, value in zip(positions, values, strict=True):
            axes.text(value, position, f" {value:.0f}%", va="center", fontsize=7, color=_INK)
    axes.set_yticks(
        [groups - 1 - g for g in range(groups)], [_wrap(label) for label in spec.labels]
    )
    axes.set_xlim(0, 115)
    axes.set_xlabel(spec.unit, fontsize=8)
    axes.legend(fontsize=7, loc="lower right", frameon=False)


def _wrap(label: str, width: int = 26) -> str:
    """A long axis label broken over lines so the bars keep most of the width."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:3])
