"""Benchmarks: `python -m bench.<area>`; results in docs/benchmarks.md."""
