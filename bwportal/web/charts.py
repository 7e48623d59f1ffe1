"""Bar charts as small SVG drawn on the server (DASH-1): the geometry is worked out here and
``templates/charts/_bars.html`` writes it out with presentation attributes only (no style
attribute, no script: the pages' CSP holds), a few KB each.

Bars run across the page, one row per category, so a 360 px phone shows every label at a
legible size: the drawing is 340 units wide and the page scales it to the column (at most
30rem). Right to left (Arabic) mirrors every x and anchors the text at its logical start.
Each chart stands beside a table with the same numbers, which is what assistive technology
reads; the drawing itself is hidden from it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 340
PAD = 2
FONT = 14
CHAR = 7.8  # the average advance of a character at FONT, for wrapping and truncating
BAR = 15
GAP = 10
VALUE_SPACE = 46  # room after the longest bar for its number
INLINE_LABEL = 100  # labels beside the bars when they are this short (months, cycles)
INK, MUTED = "#1b1f23", "#57606a"

# Fill colours, each at least 3:1 against white (WCAG 1.4.11); the legend and the table name them.
COLOURS = {
    "on_time": "#1a7f37", "late": "#8a5a00", "overdue": "#b3261e", "not_due": "#6e7781",
    "pending": "#6e7781", "in_progress": "#0b5394", "delayed": "#b3261e", "completed": "#1a7f37",
    "latest": "#0b5394", "before": "#6e7781", "waiting": "#8a5a00", "public": "#6f2da8",
}
SEQUENCE = ("#0b5394", "#6f2da8", "#1a7f37", "#8a5a00", "#b3261e", "#6e7781")


@dataclass(frozen=True)
class Series:
    key: object
    label: str
    colour: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = INK
    weight: str = "normal"


@dataclass
class Chart:
    width: int
    height: int
    rtl: bool
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    bars: int = 0  # rectangles that are bars (not the legend's swatches)

    @property
    def empty(self) -> bool:
        return not self.bars


def _truncate(text: str, room: float) -> str:
    most = max(int(room // CHAR), 4)
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def series_for(items: Sequence[tuple[object, str]], colours: dict | None = None) -> list[Series]:
    """(key, label) pairs as series, coloured by the key's value in COLOURS or in turn."""
    colours = colours or {}
    found = []
    for n, (key, label) in enumerate(items):
        name = getattr(key, "value", key)
        found.append(Series(key, str(label), colours.get(name) or COLOURS.get(name) or SEQUENCE[n % len(SEQUENCE)]))
    return found


def bar_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[Series], *, stacked: bool = False,
              rtl: bool = False, number: Callable[[int], str] = str,
              note: Callable[[int], str] | None = None) -> Chart:
    """One row per (label, a value per series): grouped bars, or one stacked bar per row.
    ``number`` formats a value in the page's locale; ``note(row index)`` may replace the
    number after a row's bar (a rate, say)."""
    chart = Chart(WIDTH, 0, rtl)
    y = PAD
    if len(series) > 1:  # the legend, wrapped over as many lines as it needs
        x = PAD
        for s in series:
            room = 12 + 4 + len(s.label) * CHAR + 12
            if x > PAD and x + room > WIDTH - PAD:
                x, y = PAD, y + FONT + 6
            chart.rects.append(Rect(x, y + 1, 12, 12, s.colour))
            chart.texts.append(Text(x + 16, y + 11, s.label, fill=INK))
            x += room
        y += FONT + 14
    inline = all(len(label) * CHAR <= INLINE_LABEL - 6 for label, _values in rows)
    start = PAD + (INLINE_LABEL if inline else 0)
    room = WIDTH - PAD - VALUE_SPACE - start
    largest = max([sum(v) if stacked else max(v, default=0) for _label, v in rows] + [1])
    scale = room / largest
    for index, (label, values) in enumerate(rows):
        if not inline:
            y += FONT
            chart.texts.append(Text(PAD, y, _truncate(label, WIDTH - 2 * PAD), fill=INK))
            y += 5
        bars = [values] if stacked else [[v] for v in values]
        top = y
        for n, group in enumerate(bars):
            x = start
            for k, value in enumerate(group):
                width = value * scale
                if width > 0:
                    colour = series[k if stacked else n].colour
                    chart.rects.append(Rect(round(x, 1), y, round(max(width, 1.5), 1), BAR, colour))
                    chart.bars += 1
                x += width
            text = note(index) if stacked and note is not None else number(sum(group))
            chart.texts.append(Text(round(x + 4, 1), y + BAR - 3, text, fill=INK, weight="bold"))
            y += BAR + (2 if n < len(bars) - 1 else 0)
        if inline:
            middle = top + (y - top) / 2 + FONT / 2 - 2
            chart.texts.append(Text(PAD, round(middle, 1), _truncate(label, INLINE_LABEL - 6), fill=INK))
        y += GAP
    chart.height = int(y + PAD)
    if rtl:
        chart.rects = [Rect(round(WIDTH - r.x - r.width, 1), r.y, r.width, r.height, r.fill) for r in chart.rects]
        chart.texts = [Text(round(WIDTH - t.x, 1), t.y, t.text, t.anchor, t.fill, t.weight) for t in chart.texts]
    return chart
