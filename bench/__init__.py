"""Benchmarks: each prints its figure next to a ceiling measured in the same run (see README)."""
