"""Benchmarks: each a module runnable as `python -m bench.<area>`; results in docs/benchmarks.md."""
