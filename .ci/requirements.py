"""Print the project's requirements (runtime and dev) from pyproject.toml, one per line.

The Makefile installs these into .venv rather than the project itself: the code always runs
from the checkout, so several checkouts (worktrees, CI clones) can share one environment.
"""

import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
    print(requirement)
