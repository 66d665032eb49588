"""Metrics: per-stride / per-rep values and their summaries, named in `catalog`."""
