"""DASH-1 5: the server-drawn bar charts: proportional bars, mirrored right to left, an empty
chart said to be empty (its legend alone is no chart), legible labels kept short."""

from bwportal.web.charts import VALUE_SPACE, WIDTH, bar_chart, series_for


def _two():
    return series_for([("latest", "Latest"), ("before", "Before")])


def test_bars_are_proportional_to_the_values():
    chart = bar_chart([("Wages", [4, 2]), ("Hours", [1, 0])], _two())
    bars = [r for r in chart.rects if r.height > 12]
    assert [r.width for r in bars][:3] == [bars[0].width, bars[0].width / 2, bars[0].width / 4]
    assert chart.bars == 3 and not chart.empty  # a zero draws no bar, its number still shows
    assert max(r.x + r.width for r in bars) <= WIDTH - VALUE_SPACE
    assert [t.text for t in chart.texts if t.weight == "bold"] == ["4", "2", "1", "0"]


def test_right_to_left_mirrors_every_bar_and_label():
    ltr = bar_chart([("Wages", [4, 2])], _two())
    rtl = bar_chart([("Wages", [4, 2])], _two(), rtl=True)
    for a, b in zip(ltr.rects, rtl.rects, strict=True):
        assert b.x == round(WIDTH - a.x - a.width, 1) and b.width == a.width
    for a, b in zip(ltr.texts, rtl.texts, strict=True):
        assert b.x == round(WIDTH - a.x, 1) and b.text == a.text


def test_a_chart_of_zeros_is_empty_though_it_has_a_legend():
    chart = bar_chart([("Wages", [0, 0])], _two())
    assert chart.rects and chart.empty


def test_stacked_bars_carry_a_note_and_long_labels_are_cut():
    long = "Occupational Safety and Health and much more besides, a very long cluster name"
    chart = bar_chart([(long, [1, 1, 2])], series_for([("on_time", "On time"), ("late", "Late"),
                                                       ("overdue", "Overdue")]), stacked=True, note=lambda i: "25%")
    assert [t.text for t in chart.texts if t.weight == "bold"] == ["25%"]
    label = next(t.text for t in chart.texts if t.text.startswith("Occupational"))
    assert label.endswith("…") and len(label) < len(long)
    assert {r.fill for r in chart.rects[3:]} == {"#1a7f37", "#8a5a00", "#b3261e"}
