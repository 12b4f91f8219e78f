"""Benchmarks and the fault suite: run by hand against a real `b24app serve` process."""
