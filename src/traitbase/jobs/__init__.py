"""Background jobs: a registry of kinds, lease-based workers (in-process or ``traitbase worker``).

Enqueue from domain code with ``traitbase.domain.jobs.enqueue``; register a kind with
``register_job_kind``; handlers are thin and call domain functions.
"""

from traitbase.domain.jobs import Interrupted, JobContext, JobFailed, enqueue
from traitbase.jobs.registry import Resources, register_job_kind

__all__ = ["Interrupted", "JobContext", "JobFailed", "Resources", "enqueue", "register_job_kind"]
