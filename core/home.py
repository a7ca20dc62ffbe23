"""The home page's registry: each app adds the counts it owns and its step of getting started.

core knows no app (see docs/architecture.md, Dependency direction), so the apps register here in their
AppConfig.ready(), as they do for the demo steps.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """A figure on the home page, linking to where it can be acted on."""

    order: int
    label: str
    value: str
    url_name: str
    role: str  # "owner" or "curator": who sees it
    detail: str = ""


@dataclass(frozen=True)
class Step:
    """One step of getting started on a new install, in the operator's flow."""

    order: int
    title: str
    how: str  # one sentence: what to do on the linked page
    done: bool
    url_name: str
    role: str


HOME_FACTS: list[Callable[[], list[Fact]]] = []
SETUP_STEPS: list[Callable[[], Step]] = []


def register(*, facts: Callable[[], list[Fact]] | None = None, step: Callable[[], Step] | None = None) -> None:
    """Idempotent (ready() may run more than once in tests)."""
    if facts is not None and facts not in HOME_FACTS:
        HOME_FACTS.append(facts)
    if step is not None and step not in SETUP_STEPS:
        SETUP_STEPS.append(step)
