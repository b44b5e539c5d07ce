"""The version of research_kit (one place, read by the package face, the CLI and exports).

Examples
--------
>>> from research_kit.version import __version__
>>> __version__.count(".")
2
"""

__version__ = "0.1.0"
