"""Boundary files: the shapes of a study's places (wards, council districts, tracts).

A boundary file is GeoJSON in WGS84 longitude/latitude (RFC 7946), read with the standard
library's ``json`` and made into shapely geometries; one feature property names the place
("Ward 3", district 12). :func:`read_boundaries` returns a tidy table, one row per place;
:func:`boundary_problems` says everything wrong with a file (unreadable, no such property,
invalid geometry with shapely's reason, coordinates that are not longitude/latitude), each
naming the file, the feature and what to do; :func:`check` adds the study's view (every value
of the place attribute has a shape, and every shape a value) for ``research-kit check``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from research_kit.errors import BoundaryError, Problem, raise_first_error
from research_kit.settings import StudySettings

__all__ = ["boundary_problems", "check", "place_key", "read_boundaries"]

_REPROJECT_HINT = (
    "save the file as GeoJSON in WGS84 longitude/latitude (EPSG:4326), e.g. "
    "'ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson in.geojson' or QGIS 'Export > Save "
    "Features As' with CRS EPSG:4326"
)
_WGS84_NAMES = ("CRS84", "EPSG::4326", "EPSG:4326", "WGS84", "WGS 84")
_POLYGONAL = ("Polygon", "MultiPolygon")


def place_key(value: object) -> str:
    """The text a place is matched by: ``3``, ``3.0`` and ``"3"`` are the same district.

    Examples
    --------
    >>> place_key(3.0), place_key(" Ward 3 "), place_key("07")
    ('3', 'Ward 3', '07')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_boundaries(path: Path | str, *, key: str) -> pd.DataFrame:
    """Read a boundary file: one row per place with its shape.

    Features that share a place (a district stored in parts) are merged into one shape.

    Parameters
    ----------
    path : Path or str
        A GeoJSON file (FeatureCollection) in WGS84 longitude/latitude.
    key : str
        The feature property that names each place.

    Returns
    -------
    pandas.DataFrame
        Columns ``place`` (text, see :func:`place_key`) and ``geometry`` (shapely Polygon or
        MultiPolygon), in the file's order.

    Raises
    ------
    BoundaryError
        For the first problem :func:`boundary_problems` finds.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> square = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    >>> feature = {"type": "Feature", "properties": {"ward": "Ward 1"},
    ...            "geometry": {"type": "Polygon", "coordinates": square}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wards.geojson"
    >>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    >>> read_boundaries(path, key="ward")["place"].tolist()
    ['Ward 1']
    """
    table, problems = _read(Path(path), key)
    raise_first_error(problems, BoundaryError)
    return table


def boundary_problems(path: Path | str, *, key: str) -> list[Problem]:
    """Everything wrong with a boundary file, each problem naming the feature and what to do.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> feet = [[[980000, 190000], [990000, 190000], [990000, 200000], [980000, 190000]]]
    >>> feature = {"type": "Feature", "properties": {"ward": "Ward 1"},
    ...            "geometry": {"type": "Polygon", "coordinates": feet}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wards.geojson"
    >>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    >>> print(boundary_problems(path, key="ward")[0].message)  # doctest: +ELLIPSIS
    coordinates are not longitude/latitude (x from 980000 to 990000, ... UTM metres?)
    """
    return _read(Path(path), key)[1]


def check(settings: StudySettings) -> list[Problem]:
    """The study's boundary files: readable, valid, longitude/latitude, one shape per place.

    Every value the place attribute allows (``attributes: ward: values:`` in study.yml, which
    the survey's and the notes' checks hold the data to) needs a shape, and every shape a
    value; a shape without a value is a warning (a ward with no one in the study yet).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.settings import StudySettings
    >>> check(StudySettings(folder=pathlib.Path(tempfile.mkdtemp()), name="empty"))
    []
    """
    problems: list[Problem] = []
    for source in settings.boundaries:
        table, found = _read(source.path, source.key)
        problems += found
        spec = settings.attributes.get(source.attribute)
        if spec is None:
            problems.append(
                Problem(
                    settings.path,
                    f"boundaries: {source.attribute!r} is not an attribute of the study",
                    "name an attribute under 'attributes:' (e.g. 'attribute: ward')",
                    line=source.line,
                )
            )
        elif spec.values and not table.empty:
            problems += _coverage_problems(source.path, source.key, spec.values, table)
    return problems


def _coverage_problems(path: Path, key: str, values, table: pd.DataFrame) -> list[Problem]:
    shapes = set(table["place"])
    wanted = [place_key(value) for value in values]
    problems = [
        Problem(
            path,
            f"no shape for {value!r}: no feature has {key} = {value!r}",
            "add its shape to the file, or correct the property's spelling",
        )
        for value in wanted
        if value not in shapes
    ]
    problems += [
        Problem(
            path,
            f"shape {place!r} is not a value of the study's attribute",
            "add it to the attribute's values in study.yml, or remove the shape",
            severity="warning",
        )
        for place in table["place"]
        if place not in set(wanted)
    ]
    return problems


def _read(path: Path, key: str) -> tuple[pd.DataFrame, list[Problem]]:
    empty = pd.DataFrame({"place": pd.Series(dtype=str), "geometry": pd.Series(dtype=object)})
    features, problems = _features(path)
    if problems:
        return empty, problems
    places: dict[str, list] = {}
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}"
        value = (feature.get("properties") or {}).get(key)
        if value is None:
            problems.append(
                Problem(
                    path,
                    f"{where} has no property {key!r}",
                    f"name the property that holds the place ({_property_names(feature)})",
                )
            )
            continue
        geometry, problem = _geometry(feature, path, f"{where} ({key} = {value!r})")
        if problem is not None:
            problems.append(problem)
        if geometry is not None:
            places.setdefault(place_key(value), []).append(geometry)
    if not _errors(problems):
        problems += _crs_problems(path, [g for parts in places.values() for g in parts])
    if _errors(problems):
        return empty, problems
    rows = [
        (place, parts[0] if len(parts) == 1 else shapely.union_all(parts))
        for place, parts in places.items()
    ]
    return pd.DataFrame(rows, columns=["place", "geometry"]), problems


def _errors(problems: list[Problem]) -> bool:
    return any(problem.severity == "error" for problem in problems)


def _features(path: Path) -> tuple[list[dict], list[Problem]]:
    """The file's features, or the problem that stops it being read."""
    if path.suffix.lower() in (".shp", ".gpkg", ".zip", ".kml"):
        return [], [
            Problem(
                path,
                f"{path.suffix} boundary files are not read (GeoJSON only)",
                "convert it: 'ogr2ogr -f GeoJSON -t_srs EPSG:4326 wards.geojson "
                f"{path.name}', or QGIS 'Export > Save Features As' GeoJSON",
            )
        ]
    try:
        with path.open(encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return [], [Problem(path, "file not found", "check the path under 'boundaries:'")]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return [], [Problem(path, f"is not GeoJSON ({exc})", "save it as GeoJSON", line=line)]
    crs = _declared_crs(data)
    if crs is not None and not any(name in crs for name in _WGS84_NAMES):
        return [], [Problem(path, f"its coordinate system is {crs}, not WGS84", _REPROJECT_HINT)]
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return list(data.get("features") or []), []
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data], []
    return [], [
        Problem(path, "is not a GeoJSON FeatureCollection", "save the layer as GeoJSON features")
    ]


def _declared_crs(data: object) -> str | None:
    """The name in an old-style (2008) ``crs`` member, if the file has one."""
    if not isinstance(data, dict) or not isinstance(data.get("crs"), dict):
        return None
    return str((data["crs"].get("properties") or {}).get("name", ""))


def _property_names(feature: dict) -> str:
    names = list((feature.get("properties") or {}).keys())
    return "it has: " + ", ".join(map(str, names[:8])) if names else "it has no properties"


def _geometry(feature: dict, path: Path, where: str):
    """The feature's shape and the problem with it (None when it is a valid polygon)."""
    raw = feature.get("geometry")
    kind = raw.get("type") if isinstance(raw, dict) else None
    if raw is None:  # exports keep features whose shape was deleted: nothing to draw
        hint = "the place is left off maps; give it a shape or remove the feature"
        return None, Problem(path, f"{where} has no geometry", hint, severity="warning")
    if kind not in _POLYGONAL:
        hint = "a place needs a Polygon or MultiPolygon (not a point or line)"
        return None, Problem(path, f"{where} has geometry {kind}", hint)
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError) as exc:
        return None, Problem(path, f"{where}: unreadable coordinates ({exc})", "re-export it")
    if not geometry.is_valid:
        return geometry, Problem(
            path,
            f"{where} is not a valid shape: {explain_validity(geometry)}",
            "repair it (QGIS 'Fix geometries', or shapely.make_valid) and save it again",
        )
    return geometry, None


def _crs_problems(path: Path, geometries: list) -> list[Problem]:
    """Coordinates that cannot be longitude/latitude (a projected file saved as GeoJSON)."""
    if not geometries:
        return []
    xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
    if all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) and (
        -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    ):
        return []
    return [
        Problem(
            path,
            f"coordinates are not longitude/latitude (x from {xmin:g} to {xmax:g}, y from "
            f"{ymin:g} to {ymax:g}; a projected system such as State Plane feet or UTM metres?)",
            _REPROJECT_HINT,
        )
    ]
