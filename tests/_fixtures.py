"""Small studies that tests build for themselves, so each expected number can be read off.

A test helper. Unit tests should not pin counts of the bundled sample (``interview_data/``):
when the sample grows, those numbers change for reasons that have nothing to do with the code
under test. The builders here write a tiny study folder — a few short notes, a codebook of two
themes, a survey of a handful of respondents, an event log of a few cases — whose numbers are
the module constants below. ``tests/test_sample_data.py`` is the one place that knows the
sample's own numbers.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = write_small_study(Path(tempfile.mkdtemp()) / "small")
>>> sorted(p.name for p in (folder / "notes").iterdir()) == [f"{n}.md" for n in SMALL_NOTES]
True
"""

from __future__ import annotations

from pathlib import Path

#: note id → (role, ward); every note has three short paragraphs
SMALL_NOTES = {
    "S01_resident": ("resident", "Ward 1"),
    "S02_business-owner": ("business owner", "Ward 2"),
    "S03_business-owner": ("business owner", "Ward 1"),
}
#: theme id → its codes' ids, in codebook order
SMALL_THEMES = {
    "waiting": ["cost_of_delay", "plan_review_backlog"],
    "finding_your_way": ["portal_problems"],
}
#: respondent id → (ward, open answer or "" for a blank)
SMALL_RESPONDENTS = {
    "R1": ("Ward 1", "Faster plan review"),
    "R2": ("Ward 2", "n/a"),
    "R3": ("Ward 1", ""),
    "R4": ("Ward 2", "A portal that shows the status"),
}
SMALL_QUESTION = "What one thing should the City change about permitting?"
#: case id → its activities in order (one hour apart)
SMALL_CASES = {
    "C1": ["Submit application", "Plan review", "Issue permit"],
    "C2": ["Submit application", "Plan review", "Request corrections", "Plan review"],
}

SETTINGS = """\
name: Small test study
min_cell_size: 5
attributes:
  participant: {type: id, required: true}
  role: {type: category, required: true, values: [resident, business owner]}
  ward: {type: category, values: [Ward 1, Ward 2]}
  date: {type: date, required: true}
notes: notes
codebook: codebook.yml
surveys:
  - id: small_survey
    path: survey/small_survey.csv
    respondent_id: Respondent ID
    attributes: {Ward: ward}
    open_ended: ["%(question)s"]
event_logs:
  - id: small_log
    path: process/small_log.csv
    case: case_id
    activity: activity
    timestamp: timestamp
database: study.db
"""


def write_small_study(folder: Path) -> Path:
    """Write the small study (settings, notes, codebook, survey, event log) into ``folder``."""
    for part in ("notes", "survey", "process"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    (folder / "study.yml").write_text(SETTINGS % {"question": SMALL_QUESTION}, encoding="utf-8")
    write_notes(folder / "notes", SMALL_NOTES)
    write_codebook(folder / "codebook.yml", SMALL_THEMES)
    write_survey(folder / "survey" / "small_survey.csv", SMALL_RESPONDENTS, SMALL_QUESTION)
    write_event_log(folder / "process" / "small_log.csv", SMALL_CASES)
    return folder


def write_notes(folder: Path, notes: dict[str, tuple[str, str]]) -> None:
    """One short note per id, with front matter and three paragraphs."""
    for number, (note_id, (role, ward)) in enumerate(notes.items(), start=1):
        attributes = {"participant": f"P{number:02d}", "role": role, "ward": ward}
        attributes["date"] = f"2026-03-{number:02d}"
        paragraphs = [
            f"Paragraph {k} of note {number}: the permit took weeks to come through."
            for k in range(1, 4)
        ]
        write_note(folder / f"{note_id}.md", attributes, paragraphs)


def write_note(path: Path, attributes: dict[str, str], paragraphs: list[str]) -> None:
    """A note: front matter with the attributes (in order), then the paragraphs."""
    front = "".join(f"{name}: {value}\n" for name, value in attributes.items())
    path.write_text(f"---\n{front}---\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def write_codebook(path: Path, themes: dict[str, list[str]]) -> None:
    """A codebook whose themes hold the given codes, each code fully described."""
    lines = ["version: 1", "codes:"]
    for theme, codes in themes.items():
        lines += [f"  - id: {theme}", f"    name: {_name(theme)}", "    definition: A theme."]
        for code in codes:
            lines += [
                f"  - id: {code}",
                f"    name: {_name(code)}",
                f"    parent: {theme}",
                "    definition: What the code means.",
                "    include: When to use it.",
                "    exclude: When not to.",
                "    example: A quote.",
            ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_survey(path: Path, respondents: dict[str, tuple[str, str]], question: str) -> None:
    """A plain survey export: UTF-8 with a byte-order mark and CRLF rows, as survey tools write."""
    rows = [f'"Respondent ID","Ward","{question}"']
    rows += [f'"{rid}","{ward}","{answer}"' for rid, (ward, answer) in respondents.items()]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")


def write_event_log(path: Path, cases: dict[str, list[str]]) -> None:
    """An event log with one event an hour per case, cases starting a day apart."""
    rows = ["case_id,activity,timestamp"]
    for day, (case, activities) in enumerate(cases.items(), start=1):
        rows += [
            f"{case},{activity},2026-01-{day:02d}T{hour + 8:02d}:00:00+00:00"
            for hour, activity in enumerate(activities)
        ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _name(identifier: str) -> str:
    return identifier.replace("_", " ").capitalize()
