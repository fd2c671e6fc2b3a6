"""Side-by-side benchmarks: walletkit against the libraries users would pick instead.

Run ``python -m bench`` (``--json`` for machine output, ``--quick`` for a smoke run).
"""
