"""Benchmarks. Not part of the product: nothing under ``server`` or ``gateway`` imports this."""
