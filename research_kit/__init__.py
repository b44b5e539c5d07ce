"""research_kit: a Jupyter-based research and synthesis workbench for city innovation teams.

Open a study folder with :func:`open_study`; read its interview notes, codebook, surveys,
process maps and event logs (``study.documents()``, ``study.survey()``, ``study.event_log()``
…: the rooms register these on the study when imported, which this package face does); check
the whole study with :func:`check_study`; analyse it with the functions in
:mod:`research_kit.interviews`, :mod:`research_kit.survey` and :mod:`research_kit.process`.

Examples
--------
>>> import research_kit
>>> research_kit.__version__
'0.1.0'
"""

from research_kit import interviews, process, survey
from research_kit.checks import check_study, summarise_study
from research_kit.errors import Problem, ResearchKitError
from research_kit.study import (
    Study,
    new_study,
    open_study,
    register_study_method,
    scratch_copy,
)
from research_kit.version import __version__

# The whole-study check and summary, offered on every study too (study.check(), study.summary()).
register_study_method(check_study, name="check")
register_study_method(summarise_study, name="summary")

__all__ = [
    "Problem",
    "ResearchKitError",
    "Study",
    "__version__",
    "check_study",
    "interviews",
    "new_study",
    "open_study",
    "process",
    "scratch_copy",
    "summarise_study",
    "survey",
]
