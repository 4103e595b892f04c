"""Benchmarks: run on demand (`make bench-*`, with PYTHONPATH=.), they print figures."""
