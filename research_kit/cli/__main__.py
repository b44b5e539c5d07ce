"""``python -m research_kit.cli``: the ``research-kit`` command."""

import sys

from research_kit.cli import main

sys.exit(main())
