"""The ``boundaries:`` of study.yml: the shapes of the places a study's people belong to.

Each entry names a boundary file (GeoJSON in WGS84 longitude/latitude) and which study
attribute its shapes are, and the file's property that holds the attribute's value::

    boundaries:
      - path: places/wards.geojson
        attribute: ward          # a study attribute (the survey's and the notes' ward)
        key: ward                # the feature property holding "Ward 1", "Ward 2", …

Reading and checking the shapes is :mod:`research_kit.places.boundaries`' business; here the
entries are only checked for shape, each problem with its line of study.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from research_kit.errors import Problem
from research_kit.settings.deadlines import unknown_keys
from research_kit.yamlfiles import YamlMap

__all__ = ["BOUNDARY_KEYS", "BoundarySource", "boundary_sources"]

#: The keys a boundaries entry may have (docs/study-yml.md documents each).
BOUNDARY_KEYS = ("path", "attribute", "key")


@dataclass(frozen=True)
class BoundarySource:
    """One boundary file of the study: its path, the attribute it maps, the property naming it."""

    path: Path
    attribute: str = "ward"
    #: The feature property holding each place's name (the attribute's name by default).
    key: str = "ward"
    line: int | None = None


def boundary_sources(
    entries: list, folder: Path, path: Path, problems: list[Problem], *, line: int | None = None
) -> tuple[BoundarySource, ...]:
    """The ``boundaries:`` entries as :class:`BoundarySource`, problems appended to ``problems``.

    Examples
    --------
    >>> from pathlib import Path
    >>> problems = []
    >>> [s.key for s in boundary_sources([{"path": "w.geojson", "attribute": "ward"}],
    ...                                  Path("."), Path("study.yml"), problems)]
    ['ward']
    >>> boundary_sources([{"attribute": "ward"}], Path("."), Path("study.yml"), problems)
    ()
    >>> problems[0].message
    'a boundaries entry needs a path'
    """
    sources = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"path": entry}
        where = entry.line if isinstance(entry, YamlMap) else line
        if not isinstance(entry, dict) or not entry.get("path"):
            problems.append(
                Problem(
                    path,
                    "a boundaries entry needs a path",
                    "write '- path: places/wards.geojson' with 'attribute: ward'",
                    line=where,
                )
            )
            continue
        unknown_keys(entry, BOUNDARY_KEYS, "boundaries", path, problems)
        attribute = str(entry.get("attribute") or "ward")
        sources.append(
            BoundarySource(
                path=folder / str(entry["path"]),
                attribute=attribute,
                key=str(entry.get("key") or attribute),
                line=where,
            )
        )
    return tuple(sources)
