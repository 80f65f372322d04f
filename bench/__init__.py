"""`make bench`: speed measured, printed beside its target, written to bench/results/. Never part of the tests."""
