"""Survey charts: diverging Likert bars and a category's share by group with error bars."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from research_kit.survey.breakdown import crosstab
from research_kit.viz import NEUTRAL, SUPPRESSED_HATCH, likert_bars, share_by_group

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _summary(rows: dict[str, list[float]], suppressed: dict[str, list[bool]] | None = None):
    records = []
    for item, shares in rows.items():
        hidden = (suppressed or {}).get(item, [False] * len(shares))
        for level, share, secret in zip(AGREE, shares, hidden, strict=True):
            records.append(
                {
                    "item": item,
                    "category": level,
                    "share": np.nan if secret else share,
                    "suppressed": secret,
                }
            )
    return pd.DataFrame(records)


def _coloured(ax) -> list:
    """Bars drawn as data: filled patches, not hatched."""
    return [p for p in ax.patches if p.get_fill() and not p.get_hatch()]


def _hatched(ax) -> list:
    return [p for p in ax.patches if p.get_hatch() == SUPPRESSED_HATCH]


def test_likert_bars_are_centred_on_the_neutral_midpoint() -> None:
    shares = {"Staff were helpful": [0.1, 0.2, 0.3, 0.25, 0.15], "Fast": [0.3, 0.3, 0.1, 0.2, 0.1]}
    fig = likert_bars(_summary(shares), order=AGREE, title="Ratings")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    patches = _coloured(ax)
    assert len(patches) == 10
    for y, values in enumerate(shares.values()):
        bar = sorted(
            (p for p in patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-9),
            key=lambda p: p.get_x(),
        )
        assert [p.get_width() for p in bar] == pytest.approx(values)
        neutral = bar[2]
        assert to_hex(neutral.get_facecolor()) == NEUTRAL.lower()
        assert neutral.get_x() == pytest.approx(-values[2] / 2, abs=1e-12)
        assert neutral.get_x() + neutral.get_width() == pytest.approx(values[2] / 2, abs=1e-12)
        assert bar[1].get_x() + bar[1].get_width() == pytest.approx(-values[2] / 2)
        assert bar[0].get_x() == pytest.approx(-(values[0] + values[1] + values[2] / 2))
        assert bar[4].get_x() + bar[4].get_width() == pytest.approx(
            values[2] / 2 + values[3] + values[4]
        )
    labels = sorted(text.get_text() for text in ax.texts)
    # 10% and more get a label; every segment here is at least 10%.
    assert labels == sorted(f"{v:.0%}" for values in shares.values() for v in values)
    legend = fig.legends[0]
    assert [t.get_text().replace("\n", " ") for t in legend.get_texts()] == AGREE


def test_small_segments_get_no_label_and_long_labels_wrap() -> None:
    item = "The permit process took a reasonable amount of time from start to finish"
    fig = likert_bars(_summary({item: [0.05, 0.45, 0.1, 0.34, 0.06]}), order=AGREE)
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["10%", "34%", "45%"]
    assert "\n" in ax.get_yticklabels()[0].get_text()


def test_even_scales_have_no_neutral_segment() -> None:
    scale = ["No", "Rather no", "Rather yes", "Yes"]
    summary = pd.DataFrame({"item": ["q"] * 4, "category": scale, "share": [0.1, 0.2, 0.3, 0.4]})
    ax = likert_bars(summary, order=scale).axes[0]
    edges = sorted((p.get_x(), p.get_x() + p.get_width()) for p in _coloured(ax))
    assert edges[1][1] == pytest.approx(0) and edges[2][0] == pytest.approx(0)
    assert NEUTRAL.lower() not in {to_hex(p.get_facecolor()) for p in _coloured(ax)}


def test_suppressed_levels_are_hatched_never_drawn_as_values() -> None:
    shares = {
        "shown": [0.2, 0.2, 0.2, 0.2, 0.2],
        "top hidden": [0.3, 0.3, 0.3, 0.05, 0.05],
        "split hidden": [0.02, 0.4, 0.3, 0.2, 0.08],
    }
    hidden = {
        "top hidden": [False, False, False, True, True],
        "split hidden": [True, False, False, False, True],
    }
    fig = likert_bars(_summary(shares, hidden), order=AGREE)
    ax = fig.axes[0]

    def at(y: int, patches: list) -> list:
        return [p for p in patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-9]

    assert len(at(0, _coloured(ax))) == 5
    # Neighbouring hidden levels on one side: one hatched block of the remaining 10%.
    top = at(1, _coloured(ax))
    assert len(top) == 3
    block = at(1, _hatched(ax))
    assert len(block) == 1
    assert block[0].get_x() == pytest.approx(0.15) and block[0].get_width() == pytest.approx(0.1)
    # Hidden levels on both sides cannot be placed: nothing of that bar is drawn as data.
    assert at(2, _coloured(ax)) == []
    assert len(at(2, _hatched(ax))) == 1
    assert "suppressed (too few people to show)" in [t.get_text() for t in ax.texts]
    assert "suppressed" in fig.legends[0].get_texts()[-1].get_text()
    # Zero is not what a hidden cell shows: hidden shares given as 0 are still hatched.
    zeros = _summary(shares, hidden).fillna({"share": 0.0})
    ax = likert_bars(zeros, order=AGREE).axes[0]
    assert len(at(1, _coloured(ax))) == 3 and len(at(1, _hatched(ax))) == 1


def test_likert_bars_by_group_draw_a_panel_per_item(tmp_path: Path) -> None:
    records = []
    for item in ["Easy to find", "Consistent answers"]:
        for ward, shares in {
            "Ward 1": [0.1, 0.2, 0.3, 0.2, 0.2],
            "Ward 2": [0.3] * 3 + [0.05] * 2,
        }.items():
            for level, share in zip(AGREE, shares, strict=True):
                records.append({"item": item, "group": ward, "category": level, "share": share})
    fig = likert_bars(pd.DataFrame(records), order=AGREE, by="group")
    assert len(fig.axes) == 2
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Easy to find", "Consistent answers"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Ward 1", "Ward 2"]
    path = tmp_path / "likert.svg"
    fig.savefig(path)
    svg = path.read_text()
    assert "Consistent answers" in svg and "Strongly agree" in svg and "30%" in svg


def _breakdown() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Ward 1", "Ward 2", "A ward with a very long name indeed", "Ward 4"],
            "category": ["Parking"] * 4,
            "share": [0.42, 0.18, 0.30, np.nan],
            "ci_low": [0.35, 0.12, -0.02, np.nan],
            "ci_high": [0.49, 0.24, 0.62, np.nan],
            "significant": pd.array([True, False, False, pd.NA], dtype="boolean"),
            "suppressed": [False, False, False, True],
            "suppression_reason": ["", "", "", "small group"],
        }
    )


def test_share_by_group_marks_significance_and_draws_error_bars(tmp_path: Path) -> None:
    fig = share_by_group(
        _breakdown(), category="Parking", test="design-based t-test, Holm-adjusted", title="Parking"
    )
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1
    (segments,) = bars[0].lines[2]
    assert len(segments.get_segments()) == 3  # the suppressed group has none
    # The interval below zero is clipped to 0.
    lows = sorted(min(seg[:, 0]) for seg in segments.get_segments())
    assert lows[0] == pytest.approx(0.0)
    filled, hollow = ax.collections[1], ax.collections[2]
    assert filled.get_offsets().tolist() == [[0.42, 0.0]]
    assert sorted(map(tuple, hollow.get_offsets().tolist())) == [(0.18, 1.0), (0.30, 2.0)]
    assert to_hex(hollow.get_facecolors()[0]) == "#ffffff"
    assert to_hex(filled.get_facecolors()[0]) != "#ffffff"
    assert [t.get_text() for t in ax.texts] == ["suppressed"]
    assert ax.texts[0].get_position()[1] == 3
    assert "\n" in ax.get_yticklabels()[2].get_text()
    footnote = fig.get_supxlabel().replace("\n", " ")
    assert "design-based t-test, Holm-adjusted" in footnote and "95%" in footnote
    path = tmp_path / "share.svg"
    fig.savefig(path)
    svg = path.read_text()
    for text in ("Parking", "Ward 2", "suppressed", "design-based t-test"):
        assert text in svg


def test_share_by_group_from_a_crosstab_draws_a_panel_per_category() -> None:
    people = pd.DataFrame(
        {
            "ward": ["A"] * 30 + ["B"] * 30 + ["C"] * 3 + ["D"] * 30,
            "theme": ["cost"] * 20
            + ["wait"] * 10
            + ["cost"] * 8
            + ["wait"] * 22
            + ["cost"] * 3
            + ["cost"] * 15
            + ["wait"] * 15,
        }
    )
    table = crosstab(people, "theme", "ward")
    fig = share_by_group(table)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["cost", "wait"]
    for ax in fig.axes:
        labels = {round(t.get_position()[1]): t.get_text() for t in ax.texts}
        assert labels[2] == "suppressed"  # group C: 3 people
        # Its complements carry the same label (no reader can tell which is small).
        assert set(labels.values()) == {"suppressed"}
        points = sum(len(c.get_offsets()) for c in ax.collections[1:])
        assert points + len(labels) == 4
        assert points >= 1
    assert "two-proportion z-test of group vs rest" in fig.get_supxlabel().replace("\n", " ")
    with pytest.raises(ValueError, match="no rows of category 'parking'"):
        share_by_group(table, category="parking")


def test_share_by_group_footnote_takes_its_settings_from_arguments_or_columns() -> None:
    # The settings travel as arguments or columns: DataFrame.attrs would be lost on the way.
    footnote = share_by_group(
        _breakdown(), category="Parking", confidence=0.9, alpha=0.01, min_cell_size=10
    ).get_supxlabel()
    footnote = footnote.replace("\n", " ")
    assert "90% confidence" in footnote and "p < 0.01" in footnote
    assert "fewer than 10 people" in footnote
    from_columns = _breakdown().assign(confidence=0.8, min_cell_size=7)
    footnote = share_by_group(from_columns, category="Parking").get_supxlabel()
    footnote = footnote.replace("\n", " ")
    assert "80% confidence" in footnote and "fewer than 7 people" in footnote
    assert "p < 0.05" in footnote


def _tick_labels(axis) -> list[tuple[float, str]]:
    axis.figure.canvas.draw()
    low, high = axis.get_view_interval()
    return [
        (tick.get_loc(), tick.label1.get_text())
        for tick in axis.get_major_ticks()
        if low - 1e-12 <= tick.get_loc() <= high + 1e-12
    ]


@pytest.mark.parametrize("highest", [0.04, 0.19, 0.23, 0.48, 0.9])
def test_percent_ticks_are_labelled_with_their_exact_value(highest: float) -> None:
    # A 0-decimal formatter on ticks every 2.5% printed "0, 2, 5, 8, 10 %": each label must
    # read back as its tick's own position.
    breakdown = pd.DataFrame(
        {
            "group": ["Ward 1", "Ward 2"],
            "share": [highest, highest / 2],
            "ci_low": [highest * 0.9, highest / 3],
            "ci_high": [highest, highest * 0.6],
        }
    )
    ax = share_by_group(breakdown).axes[-1]
    ticks = _tick_labels(ax.xaxis)
    assert len(ticks) >= 3
    for position, label in ticks:
        assert label.endswith("%")
        assert float(label.rstrip("%")) == pytest.approx(position * 100, abs=1e-9)


def test_likert_ticks_are_sizes_and_the_centre_line_stays_behind_the_neutral_figures() -> None:
    fig = likert_bars(_summary({"Fast": [0.3, 0.3, 0.1, 0.2, 0.1]}), order=AGREE)
    ax = fig.axes[0]
    for position, label in _tick_labels(ax.xaxis):
        assert float(label.rstrip("%")) == pytest.approx(abs(position) * 100, abs=1e-9)
    (centre,) = [line for line in ax.lines if list(line.get_xdata()) == [0, 0]]
    lowest_bar = min(patch.get_zorder() for patch in _coloured(ax))
    assert centre.get_zorder() < lowest_bar
    assert all(text.get_zorder() > lowest_bar for text in ax.texts)


def test_share_by_group_can_say_its_footnote_in_plain_words_at_a_given_width() -> None:
    fig = share_by_group(
        _breakdown(),
        category="Parking",
        test="design-based t-test, Holm-adjusted",
        width=6.8,
        plain_footnote=True,
    )
    footnote = fig.get_supxlabel().replace("\n", " ")
    assert "t-test" not in footnote and "Holm" not in footnote
    assert "more than chance" in footnote and "Suppressed" in footnote
    assert fig.get_size_inches()[0] == pytest.approx(6.8)
    plt.close(fig)
