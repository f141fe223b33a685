"""Benchmarks, run on demand (`make bench`), never by the tests.

Each benchmark measures mobilise's path and a baseline doing the same work with less of our code,
in the same run on the same machine, and reports the ratio: absolute numbers vary from machine to
machine, ratios much less."""
