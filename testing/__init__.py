"""Test doubles that production code never imports (tests/test_imports.py checks): the fake X API."""
