"""Bench-only prototypes of other gateway data paths, measured by bench/gateway.py (issue 22).

Not the gateway: each answers only what the bench needs, with the same per-request work
the real gateway does (essentials.py), so their figures compare with the gateway's.
"""
