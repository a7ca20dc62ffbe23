"""docs/architecture.md stays true: every file or folder of the project it names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = ("config", "core", "corpora", "curator", "generation", "posting", "templates", "static", "tests", "bench", "docs", "testing", ".ci")


def named_paths(text: str) -> set[str]:
    """Paths in backticks that start with one of the project's top-level folders (`curator/claims.py`)."""
    found = set()
    for code in re.findall(r"`([^`\s]+)`", text):
        path = code.rstrip(",.:;")
        if path.split("/", 1)[0] in TOP and "/" in path and not any(c in path for c in "*<>{}"):
            found.add(path)
    return found


def test_every_path_the_architecture_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = named_paths(text)
    assert len(paths) > 40  # the layout and area tables name the files
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


def test_the_check_catches_a_stale_name() -> None:
    assert named_paths("see `curator/services.py` and `core/tweets.py`, not `/tmp/x`") == {"curator/services.py", "core/tweets.py"}
