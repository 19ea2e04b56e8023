"""Benchmarks: figures printed, never asserted (speed goals live here, not in tests)."""
