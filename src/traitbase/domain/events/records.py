"""The outcome records of a push that this package returns to faces (faces never import storage)."""

from traitbase.storage.warehouse.base import Outcome, Replayed, StoredAnswer

__all__ = ["Outcome", "Replayed", "StoredAnswer"]
