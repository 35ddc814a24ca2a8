"""All tables; importing this package registers every model on ``Base.metadata``."""

from traitbase.storage.models.audiences import Audience, AudienceLoad, AudienceUpload
from traitbase.storage.models.base import Base
from traitbase.storage.models.control import ApiKey, InstanceState, Member, Organization, Project
from traitbase.storage.models.experiences import Experience
from traitbase.storage.models.jobs import Job, JobLineError
from traitbase.storage.models.pages import Goal, PageConfig
from traitbase.storage.models.users import UserProfile

__all__ = [
    "ApiKey",
    "Audience",
    "AudienceLoad",
    "AudienceUpload",
    "Base",
    "Experience",
    "Goal",
    "InstanceState",
    "Job",
    "JobLineError",
    "Member",
    "Organization",
    "PageConfig",
    "Project",
    "UserProfile",
]
