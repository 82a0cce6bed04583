"""Benchmarks: `python -m bench.<page>` prints figures (medians, with the classic loop side by side)."""
