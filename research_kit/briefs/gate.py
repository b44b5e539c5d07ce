"""What a study knows of its people, gathered once for the privacy gate of every brief.

:func:`sensitive_terms` lists everything that identifies someone in a study — the names listed
under ``privacy: {names: [...]}`` in ``study.yml``, the notes' ``name`` attribute, participant
ids, the notes' file names, coder and interviewer names — and :func:`stakeholder_gate` turns it
into a :class:`research_kit.privacy.StakeholderGate`, the one function every text of a brief
passes through (:mod:`research_kit.briefs.findings` applies it to the whole brief;
:mod:`research_kit.briefs.audit` scans finished briefs for the same terms).
"""

from __future__ import annotations

import pandas as pd

from research_kit import interviews as iv
from research_kit import text as rktext
from research_kit.privacy import StakeholderGate

__all__ = ["sensitive_terms", "stakeholder_gate"]

_TERM_COLUMNS = ["term", "kind"]


def sensitive_terms(study) -> pd.DataFrame:
    """Everything in a study that names or identifies a person, one row per term.

    Parameters
    ----------
    study : Study

    Returns
    -------
    pandas.DataFrame
        ``term`` and ``kind``: "name" (listed in ``study.yml`` or a note's ``name``
        attribute), "participant" (participant ids, note file names and their stems) or
        "coder" (coders and interviewers). Reads the study only.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> terms = sensitive_terms(study)
    >>> sorted(set(terms["kind"]))
    ['coder', 'name', 'participant']
    >>> {"Marisol", "P12", "P12_manager", "P12_manager.md"} <= set(terms["term"])
    True
    >>> study.close()
    """
    rows: list[tuple[str, str]] = [(name, "name") for name in study.settings.privacy_names]
    documents = study.documents_table()
    if "name" in documents.columns:
        rows += [(str(n), "name") for n in documents["name"].dropna()]
    for column in ("participant", "document_id"):
        if column in documents.columns:
            rows += [(str(v), "participant") for v in documents[column].dropna()]
    if "path" in documents.columns:
        rows += [(_file_name(p), "participant") for p in documents["path"].dropna()]
    if "interviewer" in documents.columns:
        rows += [(str(v), "coder") for v in documents["interviewer"].dropna()]
    rows += [(str(c), "coder") for c in iv.coders(study)["coder"]]
    terms = pd.DataFrame(rows, columns=_TERM_COLUMNS)
    terms["term"] = terms["term"].str.strip()
    terms = terms[terms["term"].str.len() > 0]
    return terms.drop_duplicates("term").reset_index(drop=True)


def stakeholder_gate(study, *, redact: bool = True) -> StakeholderGate:
    """The privacy gate for a study's briefs: its names, identifiers and participants.

    Parameters
    ----------
    study : Study
    redact : bool
        ``False`` only for the research team's own copy: e-mails, phones, addresses and names
        stay visible (identifiers are still hidden and attributions still coarsened).

    Returns
    -------
    StakeholderGate

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> study = open_study(folder)
    >>> gate = stakeholder_gate(study)
    >>> gate.text("P01 said Marisol uploaded it (see P01_business-owner.md).")
    '[participant] said [name] uploaded it (see [participant]).'
    >>> study.close()
    """
    terms = sensitive_terms(study)
    names = terms.loc[terms["kind"] == "name", "term"].tolist()
    identifiers = dict(
        zip(
            terms.loc[terms["kind"] != "name", "term"],
            terms.loc[terms["kind"] != "name", "kind"],
            strict=True,
        )
    )
    documents = study.documents_table()
    return StakeholderGate(
        names=names,
        identifiers=identifiers,
        participants=documents,
        min_cell_size=study.min_cell_size,
        nlp=_entity_pipeline(study) if redact else None,
        redact=redact,
    )


def _file_name(path: object) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]


def _entity_pipeline(study):
    """The study's spaCy pipeline when it can find PERSON entities (a trained one), else None."""
    model = study.settings.text_model
    if model == "blank" or (model == "auto" and not rktext.installed_trained_pipeline()):
        return None
    nlp = study.nlp()
    return nlp if "ner" in nlp.pipe_names else None
