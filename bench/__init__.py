"""Benchmarks (`make bench`): each script prints its figures and a ratio measured side by side in one run."""
