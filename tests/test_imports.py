"""The test doubles stay out of the product: no production module imports the `testing` package."""

import ast
from pathlib import Path

from tests.support.workers import BASE_DIR

PRODUCTION_PACKAGES = ["config", "core", "corpora", "curator", "generation", "posting"]


def imported_modules(path: Path) -> list[str]:
    """Every absolute module name a source file imports, at any depth (functions, migrations, management commands)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_production_packages_are_all_walked() -> None:
    sources = [path for package in PRODUCTION_PACKAGES for path in (BASE_DIR / package).rglob("*.py")]
    assert {path.relative_to(BASE_DIR).parts[0] for path in sources} == set(PRODUCTION_PACKAGES)
    assert (BASE_DIR / "posting" / "delivery.py") in sources


def test_no_production_module_imports_the_testing_package() -> None:
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {name}"
        for package in PRODUCTION_PACKAGES
        for path in sorted((BASE_DIR / package).rglob("*.py"))
        for name in imported_modules(path)
        if name == "testing" or name.startswith("testing.")
    ]
    assert offenders == []
