"""Evidence pinned to process steps: interview codings and event-log timings, per step id.

A code in the codebook may name the process step it is about (``process_step``); the codings of
those codes are what residents and staff said about that step. A step may also name the
event-log ``activity`` it corresponds to; the log then says how long cases wait before it and
how long it takes. This module gathers both per step, as tables and as the ``annotations``
dictionary that :func:`research_kit.process.render.swimlane_figure` draws.

Which codes link to which step is read from the study's codebook (``study.codebook()``); their
codings from the study database (the ``codings``, ``excerpts`` and ``coders`` tables), never
through the interviews package, so process mapping stays a room of its own. Everything here
reads: computing evidence leaves the study's files and database as they were.
"""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from research_kit import schema
from research_kit.deprecation import deprecated_alias
from research_kit.errors import CodingError
from research_kit.process.spec import ProcessMap
from research_kit.tables import require_columns

_SPEAKER = re.compile(r"^\s*[A-Z][A-Za-z0-9_-]{0,11}:\s+")
_EVIDENCE_COLUMNS = [
    "step_id",
    "label",
    "codes",
    "code_names",
    "n_codings",
    "n_excerpts",
    "n_documents",
    "quotes",
    "quote_documents",
]
_DURATION_COLUMNS = [
    "step_id",
    "activity",
    "events",
    "cases",
    "median_wait",
    "p90_wait",
    "median_processing",
    "p90_processing",
]


def step_evidence(
    study,
    spec: ProcessMap | None = None,
    *,
    coder: str | None = None,
    quotes: int = 2,
    quote_length: int = 200,
) -> pd.DataFrame:
    """What interviews say about each step: the codings of codes linked to it.

    Parameters
    ----------
    study : Study
        An open study (only read: its codebook file and database are left as they were).
    spec : ProcessMap, optional
        The process map (the study's first one by default).
    coder : str, optional
        Count only this coder's codings.
    quotes : int
        How many quotes to keep per step: excerpts coded most often first (by several coders
        or codes), then the shortest, from different interviews where possible.
    quote_length : int
        Quotes longer than this are cut at a sentence or word end and marked with "…".

    Returns
    -------
    pandas.DataFrame
        One row per step in map order: ``step_id``, ``label``, ``codes`` and ``code_names``
        (lists: the codes linked to the step), ``n_codings``, ``n_excerpts``, ``n_documents``,
        ``quotes`` and ``quote_documents`` (lists).

    Raises
    ------
    CodingError
        If ``coder`` names no coder of the study.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> evidence = step_evidence(study)
    >>> plan_review = evidence.set_index("step_id").loc["plan_review"]
    >>> plan_review["codes"], int(plan_review["n_codings"])  # linked, but nothing coded yet
    (['plan_review_backlog'], 0)
    >>> study.close()
    """
    spec = spec if spec is not None else study.process_map()
    step_ids = [step.id for step in spec.steps]
    # The links come from codebook.yml as it is now (the file wins; people edit it by hand),
    # read, never mirrored into the database here: computing evidence writes nothing.
    codes = pd.DataFrame(
        sorted(
            (code.id, code.name, code.process_step)
            for code in study.codebook()
            if code.process_step in step_ids
        ),
        columns=["code_id", "code_name", "step_id"],
    )
    with study.store.read() as conn:
        coder_id = _coder_id(conn, coder) if coder is not None else None
        query = (
            sa.select(
                schema.codings.c.code_id,
                schema.codings.c.excerpt_id,
                schema.excerpts.c.document_id,
                schema.excerpts.c.start,
                schema.excerpts.c.text,
            )
            .join(schema.excerpts, schema.excerpts.c.id == schema.codings.c.excerpt_id)
            .where(schema.codings.c.code_id.in_(codes["code_id"].tolist()))
        )
        if coder_id is not None:
            query = query.where(schema.codings.c.coder_id == coder_id)
        codings = pd.DataFrame(
            conn.execute(query).all(),
            columns=["code_id", "excerpt_id", "document_id", "start", "text"],
        )
    codings = codings.merge(codes[["code_id", "step_id"]], on="code_id")
    rows = []
    for step in spec.steps:
        linked = codes[codes["step_id"] == step.id]
        mine = codings[codings["step_id"] == step.id]
        chosen = _choose_quotes(mine, quotes)
        rows.append(
            {
                "step_id": step.id,
                "label": step.label,
                "codes": linked["code_id"].tolist(),
                "code_names": linked["code_name"].tolist(),
                "n_codings": len(mine),
                "n_excerpts": mine["excerpt_id"].nunique(),
                "n_documents": mine["document_id"].nunique(),
                "quotes": [_trim(text, quote_length) for text in chosen["text"]],
                "quote_documents": chosen["document_id"].tolist(),
            }
        )
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


def step_durations(spec: ProcessMap, log: pd.DataFrame) -> pd.DataFrame:
    """How long cases wait before each step, and how long the step takes, from an event log.

    The waiting time before an event runs from the previous event of the same case to this
    event's start (its ``start_timestamp`` when the log has one, otherwise its completion
    ``timestamp``); processing time runs from ``start_timestamp`` to ``timestamp``. A case's
    first event has no waiting time; overlapping events count as no wait.

    Parameters
    ----------
    spec : ProcessMap
        Steps with an ``activity`` are measured; others are left out.
    log : pandas.DataFrame
        An event table from :func:`~research_kit.process.read_event_log` (``case_id``,
        ``activity``, ``timestamp``, optional ``start_timestamp``).

    Returns
    -------
    pandas.DataFrame
        One row per step with an activity: ``step_id``, ``activity``, ``events``, ``cases``,
        ``median_wait``, ``p90_wait``, ``median_processing``, ``p90_processing`` (Timedelta;
        NaT where nothing was measured).

    Examples
    --------
    >>> from research_kit.process.spec import parse_process_map
    >>> spec = parse_process_map(
    ...     "name: x\\nlanes: [{id: a, label: A}]\\n"
    ...     "steps: [{id: s, label: Apply, lane: a, kind: start, activity: Apply},"
    ...     "        {id: r, label: Review, lane: a, activity: Review, kind: end}]\\n"
    ...     "flows: [{from: s, to: r}]\\n")
    >>> log = pd.DataFrame({"case_id": ["1", "1", "2", "2"],
    ...                     "activity": ["Apply", "Review"] * 2,
    ...                     "timestamp": pd.to_datetime(["2025-01-01", "2025-01-03",
    ...                                                  "2025-01-01", "2025-01-05"], utc=True)})
    >>> step_durations(spec, log)[["step_id", "events", "median_wait"]].values.tolist()
    [['s', 2, NaT], ['r', 2, Timedelta('3 days 00:00:00')]]
    """
    require_columns(
        log,
        {"case": "case_id", "activity": "activity", "timestamp": "timestamp"},
        "<event log>",
    )
    columns = ["case_id", "activity", "timestamp"]
    has_start = "start_timestamp" in log.columns
    events = log[columns + (["start_timestamp"] if has_start else [])].copy()
    events = events.sort_values(["case_id", "timestamp"], kind="stable")
    previous = events.groupby("case_id", sort=False)["timestamp"].shift()
    begun = events["start_timestamp"].fillna(events["timestamp"]) if has_start else None
    begun = events["timestamp"] if begun is None else begun
    events["wait"] = (begun - previous).dt.total_seconds().clip(lower=0)
    if has_start:
        processing = events["timestamp"] - events["start_timestamp"]
        events["processing"] = processing.dt.total_seconds().clip(lower=0)
    else:
        events["processing"] = float("nan")
    grouped = events.groupby("activity", sort=False)
    stats = pd.DataFrame(
        {
            "events": grouped.size(),
            "cases": grouped["case_id"].nunique(),
            "median_wait": grouped["wait"].median(),
            "p90_wait": grouped["wait"].quantile(0.9),
            "median_processing": grouped["processing"].median(),
            "p90_processing": grouped["processing"].quantile(0.9),
        }
    )
    measured = [(step.id, step.activity) for step in spec.steps if step.activity]
    frame = pd.DataFrame(measured, columns=["step_id", "activity"])
    found = stats.reindex(frame["activity"])
    for name in ("events", "cases"):
        frame[name] = found[name].fillna(0).astype("int64").to_numpy()
    for name in _DURATION_COLUMNS[4:]:
        seconds = found[name].astype("float64").to_numpy()
        frame[name] = pd.to_timedelta(seconds, unit="s").round("s")
    return frame


def step_annotations(
    study,
    spec: ProcessMap | None = None,
    log: pd.DataFrame | None = None,
    *,
    coder: str | None = None,
    quotes: int = 2,
    quote_length: int = 200,
) -> dict[str, dict]:
    """Interview evidence and timings per step, in the form the swimlane renderer draws.

    Parameters
    ----------
    study : Study
    spec : ProcessMap, optional
        The study's first process map by default.
    log : pandas.DataFrame, optional
        An event table; the study's first event log by default (none when it lists none).
    coder, quotes, quote_length
        As in :func:`step_evidence`.

    Returns
    -------
    dict
        ``{step_id: {...}}`` for steps with codings or timings: ``n_codings``,
        ``n_documents``, ``codes``, ``code_names``, ``quotes``, ``quote_documents`` and
        ``events``, ``cases``, ``median_wait``, ``p90_wait``, ``median_processing``,
        ``p90_processing``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> notes = step_annotations(study)
    >>> notes["plan_review"]["median_wait"] > notes["zoning_review"]["median_wait"]
    True
    >>> study.close()
    """
    spec = spec if spec is not None else study.process_map()
    if log is None and study.settings.event_logs:
        log = study.event_log()
    result: dict[str, dict] = {}
    evidence = step_evidence(study, spec, coder=coder, quotes=quotes, quote_length=quote_length)
    for row in evidence.itertuples(index=False):
        if row.n_codings:
            result[row.step_id] = {
                "n_codings": row.n_codings,
                "n_documents": row.n_documents,
                "codes": row.codes,
                "code_names": row.code_names,
                "quotes": row.quotes,
                "quote_documents": row.quote_documents,
            }
    if log is not None:
        for row in step_durations(spec, log).itertuples(index=False):
            if row.events:
                result.setdefault(row.step_id, {}).update(
                    {name: getattr(row, name) for name in _DURATION_COLUMNS[2:]}
                )
    return result


def _coder_id(conn, coder: str) -> int:
    found = conn.execute(sa.select(schema.coders.c.id).where(schema.coders.c.name == coder))
    coder_id = found.scalar()
    if coder_id is None:
        names = conn.execute(sa.select(schema.coders.c.name).order_by(schema.coders.c.name))
        raise CodingError(
            f"the study has no coder {coder!r}",
            hint="use one of: " + (", ".join(names.scalars()) or "(no coders yet)"),
        )
    return coder_id


def _choose_quotes(codings: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Excerpts coded most often, then the shortest; one per interview before any second."""
    if codings.empty or limit <= 0:
        return codings.iloc[0:0]
    excerpts = (
        codings.groupby("excerpt_id", sort=False)
        .agg(
            document_id=("document_id", "first"),
            start=("start", "first"),
            text=("text", "first"),
            times=("code_id", "size"),
        )
        .reset_index()
    )
    excerpts["length"] = excerpts["text"].str.len()
    ranked = excerpts.sort_values(
        ["times", "length", "document_id", "start"], ascending=[False, True, True, True]
    )
    ranked["nth_in_document"] = ranked.groupby("document_id").cumcount()
    ranked = ranked.sort_values("nth_in_document", kind="stable")
    return ranked.head(limit)


def _trim(text: str, limit: int) -> str:
    """One line, without a leading speaker tag ("A:", "P02:"), cut near ``limit`` characters."""
    text = _SPEAKER.sub("", " ".join(str(text).replace("**", "").split()))
    if len(text) <= limit:
        return text
    cut = text[:limit]
    marks = (". ", "? ", "! ", '." ', '?" ', '!" ')
    sentence = (
        max(cut.rfind(mark) + len(mark) - 1 for mark in marks if mark in cut)
        if any(mark in cut for mark in marks)
        else -1
    )
    if sentence >= limit * 0.6:
        return cut[:sentence].rstrip() + " …"
    return cut[: cut.rfind(" ")].rstrip(" ,;:") + " …"


#: Deprecated name of :func:`step_annotations`, kept for one release.
annotations = deprecated_alias(step_annotations, "annotations")
