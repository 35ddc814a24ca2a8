"""The audience records this package returns to faces (faces never import storage)."""

from traitbase.storage.models import Audience, AudienceLoad

__all__ = ["Audience", "AudienceLoad"]
