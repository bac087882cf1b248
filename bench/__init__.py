"""Benchmarks: they print numbers and the ceiling they are measured against (never timed tests)."""
