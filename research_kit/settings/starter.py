"""The ``study.yml`` of a new study: every setting there, explained, the optional ones commented.

One text serves :func:`research_kit.open_study` (creating a folder) and ``research-kit new``;
``docs/study-yml.md`` documents the same settings at length.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MIN_CELL_SIZE", "default_study_yaml"]

#: Group breakdowns with fewer people than this are suppressed, unless study.yml says otherwise.
DEFAULT_MIN_CELL_SIZE = 5


def default_study_yaml(name: str) -> str:
    """The ``study.yml`` written into a new study folder, every setting explained.

    Parameters
    ----------
    name : str
        The study's name (quoted for YAML here).

    Returns
    -------
    str

    Examples
    --------
    >>> text = default_study_yaml("Permits 2027")
    >>> text.splitlines()[4]
    'name: "Permits 2027"'
    """
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"""\
# research_kit study settings (docs/study-yml.md explains every setting).
# Paths are relative to this folder. Lines starting with # are comments: remove the # of an
# optional setting to use it. Run `research-kit check` after every change.

name: {quoted}
question: ""            # the research question this study answers, in one sentence
min_cell_size: {DEFAULT_MIN_CELL_SIZE}        # group breakdowns with fewer people are suppressed
timezone: UTC           # time zone of event-log times written without an offset
# text_model: auto      # spaCy pipeline: auto (a trained one if installed) or a package name

# What is recorded about each participant, in the front matter of each note. Types: id,
# text, category (list its values to have them checked), date, number.
attributes:
  participant: {{type: id, required: true}}
  role: {{type: category}}          # e.g. values: [resident, business owner, inspector]
  ward: {{type: category}}
  date: {{type: date}}
  interviewer: {{type: text}}

# Names to hide in everything stakeholders see (emails, phones, addresses are always hidden).
# privacy:
#   names: [First Name, Other Name]

# Every path below stays inside this folder (a study travels as one folder); to point at
# files elsewhere (a shared drive, ../other_study), add: allow_outside_paths: true
notes: notes            # folder of interview notes (.md, .txt, .docx); see note_template.md
codebook: codebook.yml  # codes and themes (docs/codebook.md)
codings: []             # codings files to import (research_kit CSV or REFI-QDA .qdpx)

# Survey exports (CSV, Excel, SPSS, Stata, SAS), one entry each (replace [] by entries
# like this one, without the #s):
surveys: []
#   - id: residents_2027
#     path: survey/residents_2027.csv
#     respondent_id: Respondent ID          # the column with one id per respondent
#     attributes: {{Ward: ward, Age: age_band}}   # survey column: study attribute
#     likert: ["The process was easy to follow"]   # agree/disagree questions (columns)
#     open_ended: ["What should the City change?"]  # open answers to cluster into themes
#     population_margins: survey/margins.csv  # population shares, to weight to the population
#     invited: 1200                           # people invited, for response rates
#     series: residents                       # a survey repeated in waves: same series name,
#     wave: 2027                              # and a wave label that sorts

process_maps: []        # process maps (YAML, docs/process-maps.md), e.g. [process/permits.yml]

# Event logs (CSV or XES), one entry each, with the names of their columns (replace [] by
# entries like this one, without the #s):
event_logs: []
#   - id: permits
#     path: process/permit_events.csv
#     case: case_id                 # the case (one application, one request)
#     activity: activity            # the step
#     timestamp: timestamp          # when the step ended
#     start_timestamp: started_at   # optional: when it started
#     resource: staff_id            # optional: who did it
#     lifecycle: lifecycle          # optional: start/complete column
#     transition: complete          # optional: which lifecycle rows to keep
#     timezone: America/Chicago     # optional: this log's zone, if not the study's

database: study.db      # or a SQLAlchemy URL, e.g. postgresql+psycopg://host/db
"""
