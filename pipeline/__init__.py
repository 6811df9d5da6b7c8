"""Batch pipeline stages; each is a small CLI: `python -m pipeline.<stage> --help`."""
