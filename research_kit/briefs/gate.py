"""What a study knows of its people, gathered once for the privacy gate of every brief.

:func:`sensitive_terms` lists everything that identifies someone in a study — the names listed
under ``privacy: {names: [...]}`` in ``study.yml``, the notes' ``name`` attribute, participant
ids, the notes' file names, coder and interviewer names — and :func:`stakeholder_gate` turns it
into a :class:`research_kit.privacy.StakeholderGate`, the one function every text of a brief
passes through (:mod:`research_kit.briefs.findings` applies it to the whole brief;
:mod:`research_kit.briefs.audit` scans finished briefs for the same terms).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from research_kit import interviews as iv
from research_kit import text as rktext
from research_kit.errors import ResearchKitError
from research_kit.privacy import StakeholderGate

__all__ = [
    "NAME_KINDS",
    "TERM_KINDS",
    "learned_names",
    "sensitive_terms",
    "stakeholder_gate",
    "term_key",
]

#: Kinds of identifier :func:`sensitive_terms` gathers, in order of precedence.
TERM_KINDS = ("listed name", "participant name", "participant id", "note name", "coder")
#: The kinds that are people's names (redacted as names, with the surnames that follow them).
NAME_KINDS = ("listed name", "participant name")


def sensitive_terms(study) -> pd.DataFrame:
    """Everything in a study that names or identifies a person, one row per term.

    Parameters
    ----------
    study : Study

    Returns
    -------
    pandas.DataFrame
        One row per term, columns ``term`` and ``kind``; ``kind`` is one of
        :data:`TERM_KINDS`: ``listed name`` (``privacy: names`` in ``study.yml``),
        ``participant name`` (the notes' ``name`` attribute, with its first and last word when
        it has several), ``participant id`` (the notes' ``participant`` attribute),
        ``note name`` (a note's file name and stem) or ``coder`` (the study database's coders
        and the notes' interviewers). A term that would match ordinary text — a bare number,
        a single character — is left out; a term gathered twice keeps its first kind in that
        order. Reads the study only.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> from research_kit import open_study
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "study"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> with open_study(folder) as study:
    ...     terms = sensitive_terms(study)
    >>> terms.loc[terms["kind"] == "listed name", "term"].tolist()
    ['Marisol', 'Denise']
    >>> terms[terms["term"].str.startswith("P12")].values.tolist()
    [['P12', 'participant id'], ['P12_manager.md', 'note name'], ['P12_manager', 'note name']]
    """
    return _terms(study, study.documents())


def _terms(study, documents: list) -> pd.DataFrame:
    """:func:`sensitive_terms` from notes already read."""
    participant_names = [
        str(doc.attributes["name"]).strip()
        for doc in documents
        if doc.attributes.get("name") not in (None, "")
    ]
    rows: list[tuple[str, str]] = [
        (name, "listed name")
        for name in study.settings.privacy_names
        if name not in participant_names
    ]
    for name in participant_names:
        rows.append((name, "participant name"))
        words = name.split()
        rows += [(word, "participant name") for word in {words[0], words[-1]} if len(words) > 1]
    for doc in documents:
        participant = doc.attributes.get("participant")
        if participant not in (None, ""):
            rows.append((str(participant).strip(), "participant id"))
        rows += [(doc.path.name, "note name"), (doc.path.stem, "note name")]
    rows += [(str(coder), "coder") for coder in iv.coders(study)["coder"]]
    rows += [
        (str(doc.attributes["interviewer"]).strip(), "coder")
        for doc in documents
        if doc.attributes.get("interviewer") not in (None, "")
    ]
    terms = pd.DataFrame(rows, columns=["term", "kind"])
    # astype(bool): an empty object mask would select columns, not rows (a study with no notes)
    terms = terms[terms["term"].map(_specific_enough).astype(bool)]
    keys = terms["term"].map(term_key)
    return terms[~keys.duplicated()].reset_index(drop=True)


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
    notes = study.documents()  # read once: for the terms, the texts and the participants
    terms = _terms(study, notes)
    is_name = terms["kind"].isin(NAME_KINDS)
    names = terms.loc[is_name, "term"].tolist()
    names += learned_names(_study_texts(study, notes), names)
    identifiers = {
        term: "coder" if kind == "coder" else "participant"
        for term, kind in zip(terms.loc[~is_name, "term"], terms.loc[~is_name, "kind"], strict=True)
    }
    return StakeholderGate(
        names=names,
        identifiers=identifiers,
        participants=iv.documents_table(notes),
        min_cell_size=study.min_cell_size,
        nlp=_entity_pipeline(study) if redact else None,
        redact=redact,
    )


def learned_names(texts: Iterable[str], names: list[str]) -> list[str]:
    """Full names ("Denise Tran") that the study's own texts write after a listed first name.

    :func:`research_kit.text.redact` hides a surname alone ("later Tran said") only in a text
    where it has seen it after the listed name; learning the full names from every note and
    answer first lets a quote that says only "Tran" be redacted too.

    Examples
    --------
    >>> learned_names(["Ask Denise Tran at the desk.", "Tran said no."], ["Denise"])
    ['Denise Tran']
    """
    listed = [n for n in names if n.strip()]
    if not listed:
        return []
    mention = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in listed) + r")(?!\w)", re.IGNORECASE
    )
    singles = {n.casefold() for n in listed}
    found: dict[str, None] = {}
    for text in texts:
        if not isinstance(text, str) or not mention.search(text):
            continue
        spans = rktext.find_pii(text, names=listed)
        for span in spans.loc[spans["kind"] == "name", "text"]:
            words = " ".join(str(span).split())
            first = words.split(" ", 1)[0].casefold()
            if " " in words and first in singles and words.casefold() not in singles:
                found[words] = None
    return list(found)


def _study_texts(study, notes: list) -> list[str]:
    """The interview notes and the open survey answers: where a full name may be written."""
    texts = [doc.text for doc in notes]
    for source in study.settings.surveys:
        try:
            survey = study.survey(source.id)
        except ResearchKitError:  # an unreadable export: the survey's own checks say why
            continue
        for question in source.open_ended:
            if question in survey.columns:
                texts += survey[question].dropna().astype(str).tolist()
    return texts


def _specific_enough(term: str) -> bool:
    """A term of two letters or more that is not a bare number (which any text may hold)."""
    alphanumeric = [c for c in term if c.isalnum()]
    return len(alphanumeric) >= 2 and not all(c.isdigit() for c in alphanumeric)


def term_key(term: str) -> str:
    """What two spellings of one term share: NFKC, no invisible characters, spaces, hyphens
    or case (how the gate and the audit tell one term from another).

    Examples
    --------
    >>> term_key("P12_Manager") == term_key("p12_manager"), term_key("Ortega\u00ad-Ruiz")
    (True, 'ortegaruiz')
    """
    visible = "".join(
        c for c in unicodedata.normalize("NFKC", term) if unicodedata.category(c) != "Cf"
    )
    return re.sub(r"[\s-]+", "", visible).casefold()


def _entity_pipeline(study):
    """The study's spaCy pipeline when it can find PERSON entities (a trained one), else None."""
    model = study.settings.text_model
    if model == "blank" or (model == "auto" and not rktext.installed_trained_pipeline()):
        return None
    nlp = study.nlp()
    return nlp if "ner" in nlp.pipe_names else None
