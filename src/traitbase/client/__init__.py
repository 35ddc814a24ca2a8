"""Python SDK of Traitbase: ``Client`` / ``AsyncClient`` with batching, retries and typed errors.

from traitbase.client import Client

with Client("http://127.0.0.1:8600", token) as tb:
    tb.attributes.upload("users.csv")
"""

from traitbase.client._core import RetryEvent, RetryPolicy
from traitbase.client.attributes import UploadProgress, UploadResult
from traitbase.client.audiences import FileProgress, LoadFailed, UploadedAudience
from traitbase.client.client import AsyncClient, Client
from traitbase.client.errors import (
    APIError,
    AuthError,
    BadToken,
    Invalid,
    InvalidRow,
    JobFailed,
    NotFound,
    RateLimited,
    TraitbaseError,
    Unreachable,
    WaitTimeout,
)
from traitbase.client.events import PushResult
from traitbase.client.imports import ImportJob, ImportStatus, UploadStatistics

__all__ = [
    "APIError",
    "AsyncClient",
    "AuthError",
    "BadToken",
    "Client",
    "FileProgress",
    "ImportJob",
    "ImportStatus",
    "Invalid",
    "InvalidRow",
    "JobFailed",
    "LoadFailed",
    "NotFound",
    "PushResult",
    "RateLimited",
    "RetryEvent",
    "RetryPolicy",
    "TraitbaseError",
    "Unreachable",
    "UploadProgress",
    "UploadResult",
    "UploadStatistics",
    "UploadedAudience",
    "WaitTimeout",
]
