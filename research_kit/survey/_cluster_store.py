"""Checks and storage shared by cluster edits and kept runs (private).

What :mod:`research_kit.survey.cluster_edits` and :mod:`research_kit.survey.cluster_runs` both
need: the survey and question check, the check of a clusterer's assignments table, respondent
ids compared as text, the coder of an edit or run, bulk inserts, and the small hand-made
clustering their examples use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from research_kit.errors import ClusterEditError, did_you_mean
from research_kit.store import coder_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from research_kit.study import Study

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "checked_survey_id",
    "coder_or_none",
    "example_study",
    "id_text",
    "insert_rows",
    "is_missing",
    "jsonable",
    "normalise_assignments",
]

ASSIGNMENT_COLUMNS = ("respondent_id", "text", "cluster", "confidence")


def checked_survey_id(study: Study, survey_id: str | None, question: str) -> str:
    """The survey's id; the question must be one of its open-ended questions."""
    source = study.survey_source(survey_id)
    if question not in source.open_ended:
        raise ClusterEditError(
            f"survey {source.id!r} has no open-ended question {question!r}"
            + did_you_mean(question, source.open_ended),
            path=study.settings.path,
            hint="use a question listed under open_ended for this survey in study.yml",
        )
    return source.id


def normalise_assignments(
    assignments: pd.DataFrame, *, study: Study, fresh: bool = False
) -> pd.DataFrame:
    """Check an assignments table; add ``_rid`` (respondent id as text)."""
    where = study.settings.path
    if not isinstance(assignments, pd.DataFrame):
        raise ClusterEditError(
            f"assignments must be a DataFrame, not {type(assignments).__name__}", path=where
        )
    missing = [column for column in ASSIGNMENT_COLUMNS if column not in assignments]
    if missing:
        raise ClusterEditError(
            f"the assignments table has no column {', '.join(map(repr, missing))}",
            path=where,
            hint="pass one row per clustered answer with respondent_id, text, cluster, confidence",
        )
    if fresh and "edited" in assignments:
        raise ClusterEditError(
            "these assignments already have the cluster edits applied (they have an 'edited' "
            "column)",
            path=where,
            hint="pass the clusterer's own output, so no edit is applied twice",
        )
    frame = assignments.reset_index(drop=True)
    ids = frame["respondent_id"]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
        raise ClusterEditError(f"row {row} of the assignments has no respondent_id", path=where)
    rid = ids.map(id_text)
    duplicated = rid.duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0]) + 1
        raise ClusterEditError(
            f"respondent {rid[row - 1]!r} appears twice in the assignments (row {row})",
            path=where,
            hint="cluster one answer per respondent and question",
        )
    cluster = pd.to_numeric(frame["cluster"], errors="coerce")
    bad = cluster.isna() | (cluster < 0) | (cluster % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise ClusterEditError(
            f"row {row} of the assignments has cluster {frame['cluster'][row - 1]!r}",
            path=where,
            hint="every answer needs a cluster number 0, 1, 2, …",
        )
    confidence = pd.to_numeric(frame["confidence"], errors="coerce")
    if confidence.isna().any():
        row = int(np.flatnonzero(confidence.isna().to_numpy())[0]) + 1
        raise ClusterEditError(f"row {row} of the assignments has no confidence", path=where)
    out = frame.assign(
        _rid=rid,
        text=frame["text"].map(lambda t: "" if is_missing(t) else str(t)),
        cluster=cluster.astype("int64"),
        confidence=confidence.astype(float),
    )
    return out


def id_text(value: object) -> str:
    """Respondent ids compare as text: 17, 17.0 and "17" are one respondent."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value).strip()


def is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def coder_or_none(conn: Connection, coder: str | None, study: Study) -> int | None:
    """The coder's id (created on first use); None when no coder is named."""
    if coder is None:
        return None
    name = str(coder).strip()
    if not name:
        raise ClusterEditError("the coder name is empty", path=study.settings.path)
    return coder_id(conn, name)


def insert_rows(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert many rows through the driver's executemany (SQLAlchemy's per-row parameter
    handling would take most of the time for a million answers)."""
    compiled = table.insert().compile(dialect=conn.dialect)
    names = list(compiled.positiontup) if compiled.positional else list(compiled.params)
    columns = [frame[name].tolist() for name in names]  # plain Python values, not numpy
    rows = list(zip(*columns, strict=True))
    conn.exec_driver_sql(
        str(compiled),
        rows if compiled.positional else [dict(zip(names, r, strict=True)) for r in rows],
    )


def jsonable(value: object) -> object:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    return repr(value)


def example_study() -> tuple[Study, str, pd.DataFrame]:
    """A copy of the sample study and a small hand-made clustering (for the examples)."""
    import pathlib
    import shutil
    import tempfile

    from research_kit.study import open_study

    folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    study = open_study(folder)
    question = study.survey_source().open_ended[0]
    texts = [
        "Hire more plan reviewers",
        "Faster plan review please",
        "Cut the fees for small shops",
        "Permit fees are far too high",
        "The online portal keeps crashing",
        "Fix the portal uploads",
        "Portal login never works",
        "The portal loses my documents",
    ]
    assignments = pd.DataFrame(
        {
            "respondent_id": [f"R{n}" for n in range(1, 9)],
            "text": texts,
            "cluster": [0, 0, 0, 0, 1, 1, 1, 1],
            "confidence": [0.9, 0.8, 0.7, 0.7, 0.9, 0.8, 0.6, 0.6],
        }
    )
    return study, question, assignments
