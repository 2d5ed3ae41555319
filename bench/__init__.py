"""Benchmarks: krakenkit measured side by side with peer libraries on the same inputs.

Run ``python -m bench`` (all) or ``python -m bench book`` (one); see ``bench/README.md``.
Peers are imported and driven, never copied.
"""
