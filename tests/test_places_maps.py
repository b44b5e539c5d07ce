"""Boundary files and choropleth maps (research_kit.places): the sample city's wards, the real
council districts of New York City (full and simplified) and Seattle, and bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.path import Path as MplPath

from research_kit.checks import check_folder
from research_kit.errors import BoundaryError
from research_kit.places import boundary_problems, choropleth, class_breaks, read_boundaries
from research_kit.study import open_study
from research_kit.survey.breakdown import crosstab

NYC_FULL = "nyc_council_districts_2013_2023.geojson"
NYC_SIMPLIFIED = "nyc_council_districts_2013_2023.simplified_0.0001.geojson"
SEATTLE = "seattle_council_districts_pre2022.geojson"
SATISFACTION = "Overall, how satisfied are you with the City's permitting services?"
# The XML namespaces an SVG declares are names, not requests.
NAMESPACES = re.compile(r'xmlns(:\w+)?="[^"]*"')


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)]+", NAMESPACES.sub("", text))


def _write(path: Path, features: list[dict], **extra) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def _square(name: str, x: float, y: float = 0.0, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {
        "type": "Feature",
        "properties": {"ward": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _drawn_paths(figure) -> dict[int, MplPath]:
    """The drawn path of each place, by its index (the patch's gid)."""
    ax = figure.axes[0]
    return {
        int(patch.get_gid().split("-")[1]): patch.get_path()
        for patch in ax.patches
        if (patch.get_gid() or "").startswith("place-")
    }


def _satisfied_by_ward(study) -> pd.DataFrame:
    table = crosstab(
        study.survey("permitting_2026"), SATISFACTION, "ward", min_cell_size=study.min_cell_size
    )
    return table[table["category"] == "Satisfied"]


# --- the sample study ---------------------------------------------------------------------


def test_the_sample_study_checks_clean_with_its_ward_shapes(sample_study_path):
    errors = [p for p in check_folder(sample_study_path) if p.severity == "error"]
    assert errors == []


def test_the_sample_map_draws_every_ward_from_a_real_breakdown(sample_study_path):
    study = open_study(sample_study_path)
    try:
        table = _satisfied_by_ward(study)
        drawn = choropleth(table, "share", study=study, place="group", attribute="ward")
    finally:
        study.close()
    assert sorted(drawn.places["place"]) == [f"Ward {i}" for i in range(1, 7)]
    assert len(_drawn_paths(drawn.figure)) == 6
    shown = drawn.places.set_index("place")
    for row in table.itertuples():
        if row.suppressed:
            assert shown.loc[row.group, "status"] == "suppressed"
        else:
            assert shown.loc[row.group, "value"] == pytest.approx(row.share)
    svg = drawn.svg()
    assert svg.count('class="rk-place"') == 6 and svg.count('tabindex="0"') == 6
    visible = table[~table["suppressed"]].sort_values("share")
    assert f"highest {visible['group'].iloc[-1]} " in drawn.alt
    assert f"lowest {visible['group'].iloc[0]} " in drawn.alt


def test_a_suppressed_place_is_hatched_labelled_and_never_coloured(tmp_path):
    path = _write(tmp_path / "w.geojson", [_square(f"Ward {i}", i * 0.01) for i in range(1, 4)])
    table = pd.DataFrame(
        {"ward": ["Ward 1", "Ward 2", "Ward 3"], "share": [0.2, 0.9, 0.6], "n": [30, 2, 30]}
    )
    drawn = choropleth(table, "share", boundaries=path)
    patches = {p.get_gid(): p for p in drawn.figure.axes[0].patches if p.get_gid()}
    assert patches["place-1"].get_hatch() and not patches["place-0"].get_hatch()
    texts = [t.get_text() for t in drawn.figure.axes[0].texts]
    assert "Ward 2\nsuppressed" in texts
    assert not any("90%" in text for text in texts)  # the hidden value is nowhere
    row = drawn.places.set_index("place").loc["Ward 2"]
    assert row["class"] == -1 and np.isnan(row["value"])
    assert "90%" not in drawn.svg() and "suppressed" in drawn.alt
    legend = [t.get_text() for t in drawn.figure.axes[0].get_legend().get_texts()]
    assert "suppressed (fewer than 5 people)" in legend


def test_unreliable_estimates_are_outlined_and_in_the_legend(tmp_path):
    path = _write(tmp_path / "w.geojson", [_square(f"Ward {i}", i * 0.01) for i in range(1, 4)])
    table = pd.DataFrame(
        {
            "ward": ["Ward 1", "Ward 2", "Ward 3"],
            "value": [10.0, 20.0, 30.0],
            "cv": [0.05, 0.2, 0.5],
        }
    )
    drawn = choropleth(table, "value", boundaries=path, cv="cv")
    assert drawn.places["reliability"].tolist() == ["high", "medium", "low"]
    outlines = [p for p in drawn.figure.axes[0].patches if p.get_gid() is None]
    assert len(outlines) == 2
    legend = [t.get_text() for t in drawn.figure.axes[0].get_legend().get_texts()]
    assert "low reliability (CV over 40%)" in legend
    assert "low reliability" in drawn.places.set_index("place").loc["Ward 3", "label"]


def test_the_interactive_svg_and_html_fetch_nothing(tmp_path):
    path = _write(tmp_path / "w.geojson", [_square(f"Ward {i}", i * 0.01) for i in range(1, 4)])
    table = pd.DataFrame({"ward": ["Ward 1", "Ward 2", "Ward 3"], "share": [0.1, 0.5, 0.8]})
    drawn = choropleth(table, "share", boundaries=path)
    for text in (drawn.svg(), drawn.html(), drawn.svg(interactive=False)):
        assert _urls(text) == []
        assert "<script" not in text and "@import" not in text
    assert "<title>Ward 2: share 50%</title>" in drawn.svg()
    saved = drawn.save(tmp_path / "map.png")
    assert saved.read_bytes().startswith(b"\x89PNG")


# --- real boundary files --------------------------------------------------------------------


def _facts(shared_data: Path, name: str) -> list[dict]:
    facts = json.loads((shared_data / "geo" / "geo_facts.json").read_text())
    return facts[name]["features"]


@pytest.mark.parametrize(
    ("name", "key", "count"),
    [(NYC_FULL, "district", 51), (NYC_SIMPLIFIED, "district", 51), (SEATTLE, "SCCDST", 7)],
)
def test_real_boundaries_draw_every_shape_with_its_point_inside(shared_data, name, key, count):
    path = shared_data / "geo" / name
    shapes = read_boundaries(path, key=key)
    assert len(shapes) == count and boundary_problems(path, key=key) == []
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"district": shapes["place"], "rate": rng.uniform(0, 50, count)})
    drawn = choropleth(
        table, "rate", boundaries=path, place="district", key=key, scheme="natural_breaks"
    )
    paths = _drawn_paths(drawn.figure)
    assert sorted(paths) == list(range(count))
    assert (drawn.places["status"] == "shown").all()
    # The simplified file's districts hold the full file's representative points too.
    facts = _facts(shared_data, name.replace(".simplified_0.0001", ""))
    assert len(facts) == count
    index = {place: i for i, place in enumerate(drawn.places["place"])}
    for fact in facts:
        place = str(fact["id"])
        x, y = fact["representative_point"]
        assert paths[index[place]].contains_point((x, y)), place
        others = [i for p, i in index.items() if p != place]
        assert not any(paths[i].contains_point((x, y)) for i in others), place
    svg = drawn.svg()
    assert svg.count('class="rk-place"') == count and _urls(drawn.html()) == []


# --- bad files --------------------------------------------------------------------------------


def test_a_projected_file_gets_a_clear_crs_error(tmp_path):
    feet = [[[980000, 190000], [990000, 190000], [990000, 200000], [980000, 190000]]]
    feature = {
        "type": "Feature",
        "properties": {"ward": "Ward 1"},
        "geometry": {"type": "Polygon", "coordinates": feet},
    }
    path = _write(tmp_path / "wards.geojson", [feature])
    with pytest.raises(BoundaryError, match="not longitude/latitude") as caught:
        read_boundaries(path, key="ward")
    assert "wards.geojson" in str(caught.value) and "EPSG:4326" in str(caught.value)


def test_a_declared_projected_crs_is_refused(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2263"}}
    path = _write(tmp_path / "wards.geojson", [_square("Ward 1", 0)], crs=crs)
    with pytest.raises(BoundaryError, match="EPSG::2263"):
        read_boundaries(path, key="ward")


def test_an_invalid_shape_is_named_with_its_reason(tmp_path):
    bowtie = [[[0, 0], [0.01, 0.01], [0.01, 0], [0, 0.01], [0, 0]]]
    feature = {
        "type": "Feature",
        "properties": {"ward": "Ward 7"},
        "geometry": {"type": "Polygon", "coordinates": bowtie},
    }
    path = _write(tmp_path / "wards.geojson", [_square("Ward 1", 0.1), feature])
    problems = boundary_problems(path, key="ward")
    assert len(problems) == 1
    assert (
        "feature 2 (ward = 'Ward 7') is not a valid shape: Self-intersection" in problems[0].message
    )


def test_a_missing_key_property_lists_the_properties_it_has(tmp_path):
    path = _write(tmp_path / "wards.geojson", [_square("Ward 1", 0)])
    with pytest.raises(BoundaryError, match=r"has no property 'district'.*it has: ward"):
        read_boundaries(path, key="district")


def test_a_place_without_a_shape_is_an_error_naming_it(tmp_path):
    path = _write(tmp_path / "w.geojson", [_square("Ward 1", 0)])
    table = pd.DataFrame({"ward": ["Ward 1", "Ward 9"], "share": [0.2, 0.3]})
    with pytest.raises(BoundaryError, match="no shape for ward 'Ward 9'"):
        choropleth(table, "share", boundaries=path)


def test_check_reports_a_ward_without_a_shape_and_a_shape_without_a_ward(sample_study_path):
    wards = sample_study_path / "places" / "wards.geojson"
    data = json.loads(wards.read_text())
    data["features"][2]["properties"]["ward"] = "Ward 33"
    wards.write_text(json.dumps(data))
    problems = [p for p in check_folder(sample_study_path) if Path(p.path).name == "wards.geojson"]
    messages = {(p.severity, p.message) for p in problems}
    assert ("error", "no shape for 'Ward 3': no feature has ward = 'Ward 3'") in messages
    assert ("warning", "shape 'Ward 33' is not a value of the study's attribute") in messages


def test_check_reports_an_unknown_attribute_with_its_line(sample_study_path):
    settings = sample_study_path / "study.yml"
    settings.write_text(settings.read_text().replace("attribute: ward", "attribute: precinct"))
    problems = [p for p in check_folder(sample_study_path) if "precinct" in p.message]
    assert len(problems) == 1 and problems[0].line is not None


# --- class breaks ----------------------------------------------------------------------------


def test_natural_breaks_find_the_gaps_and_quantiles_split_evenly():
    values = [1, 2, 3, 20, 21, 22, 50, 51]
    assert class_breaks(values, scheme="natural_breaks", k=3).tolist() == [1, 3, 22, 51]
    edges = class_breaks(range(100), scheme="quantiles", k=4)
    assert np.allclose(edges, [0, 24.75, 49.5, 74.25, 99])
    with pytest.raises(ValueError, match="bins"):
        class_breaks(values, scheme="fixed")


def test_natural_breaks_match_an_exhaustive_search():
    rng = np.random.default_rng(3)
    values = np.sort(rng.normal(size=12))
    best = min(
        ((i, j) for i in range(1, 11) for j in range(i + 1, 12)),
        key=lambda c: sum(
            ((part - part.mean()) ** 2).sum() for part in np.split(values, [c[0], c[1]])
        ),
    )
    edges = class_breaks(values, scheme="natural_breaks", k=3)
    assert edges[1] == values[best[0] - 1] and edges[2] == values[best[1] - 1]


def test_a_shapefile_gets_the_command_that_converts_it(tmp_path):
    problems = boundary_problems(tmp_path / "wards.shp", key="ward")
    assert len(problems) == 1 and "ogr2ogr -f GeoJSON" in problems[0].hint


def test_a_boundary_file_outside_the_study_is_refused(sample_study_path):
    settings = sample_study_path / "study.yml"
    settings.write_text(
        settings.read_text().replace("path: places/wards.geojson", "path: ../wards.geojson")
    )
    problems = [p for p in check_folder(sample_study_path) if "outside" in p.message]
    assert len(problems) == 1 and problems[0].message.startswith("boundaries '../wards.geojson'")


def test_holes_stay_holes_and_a_feature_without_geometry_is_a_warning(tmp_path):
    outer = [[0, 0], [0.03, 0], [0.03, 0.03], [0, 0.03], [0, 0]]
    # Wound the same way as the outside, as some exports write holes: still drawn as a hole.
    hole = [[0.01, 0.01], [0.02, 0.01], [0.02, 0.02], [0.01, 0.02], [0.01, 0.01]]
    ring = {
        "type": "Feature",
        "properties": {"ward": "Ring"},
        "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
    }
    empty = {"type": "Feature", "properties": {"ward": "Gone"}, "geometry": None}
    path = _write(tmp_path / "w.geojson", [ring, empty])
    assert [p.severity for p in boundary_problems(path, key="ward")] == ["warning"]
    table = pd.DataFrame({"ward": ["Ring"], "share": [0.5]})
    drawn = choropleth(table, "share", boundaries=path)
    figure = drawn.figure
    ax = figure.axes[0]
    for text in list(ax.texts):  # the label sits on the hole's centre; look at the fill only
        text.remove()
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())

    def colour_at(x: float, y: float) -> tuple:
        column, row = ax.transData.transform((x, y))
        return tuple(pixels[int(pixels.shape[0] - row), int(column)][:3])

    assert colour_at(0.015, 0.015) == (255, 255, 255)  # the hole shows the white page
    assert colour_at(0.004, 0.015) != (255, 255, 255)  # the ring is filled
