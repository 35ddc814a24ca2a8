"""The control-plane records this package returns to faces (faces never import storage)."""

from traitbase.storage.models import ApiKey, Member, Organization, Project

__all__ = ["ApiKey", "Member", "Organization", "Project"]
