"""research_kit: a Jupyter-based research and synthesis workbench for city innovation teams.

Open a study folder with :func:`open_study`; read its interview notes, codebook, surveys,
process maps and event logs through the :class:`Study`; analyse them with the functions in
:mod:`research_kit.interviews`, :mod:`research_kit.survey` and :mod:`research_kit.process`.

Examples
--------
>>> import research_kit
>>> research_kit.__version__
'0.1.0'
"""

from research_kit.errors import Problem, ResearchKitError
from research_kit.study import Study, open_study

__version__ = "0.1.0"

__all__ = ["Problem", "ResearchKitError", "Study", "__version__", "open_study"]
