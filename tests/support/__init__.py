"""Plain helpers for the tests, one module per topic (no tests and no fixtures here: fixtures live in tests/conftest.py)."""
