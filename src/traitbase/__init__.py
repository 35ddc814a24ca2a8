"""Traitbase: a self-hostable user-data platform behind vendor-compatible API faces."""

__version__ = "0.1.0"
