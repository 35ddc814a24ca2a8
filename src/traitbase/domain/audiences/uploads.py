"""Presigned audience-file uploads (seed 004): granting, receiving (local disk) and verifying them.

Every grant is a row naming the object key (chosen here, never by the client), the MD5 the file
must have, the expiry, and a state that makes the grant single-use:
``pending -> receiving -> uploaded -> used``, or ``rejected`` when a check fails.

Two ways to upload, as the vendor has: area 1 is a raw PUT to a URL, area 2 a multipart POST of an
OSS-style policy form. With the local blob store both point at this server; with S3 they are real
presigned S3 requests and the server checks the object (size, ETag = MD5) when it is first used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from traitbase.domain import blobkeys
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge
from traitbase.security import Signer, same_signature
from traitbase.storage.blobs import BlobInfo, BlobStore
from traitbase.storage.blobs_s3 import PostPolicy
from traitbase.storage.models import AudienceUpload
from traitbase.storage.repos import audiences as repo

EXTENSIONS = (".txt.gz", ".csv.gz", ".txt", ".csv")
AREA_PUT, AREA_POST = 1, 2
LOCAL_BUCKET = "local"
LOCAL_ACCESS_ID = "traitbase-local"
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    ttl_seconds: int


def file_extension(file_name: str) -> str:
    lower = file_name.lower()
    for ext in EXTENSIONS:
        if lower.endswith(ext) and len(lower) > len(ext):
            return ext
    raise Invalid("file_name must end in .txt, .csv, .txt.gz or .csv.gz", errors={"file_name": "unsupported extension"})


def _md5(value: str) -> str:
    if not _MD5_RE.match(value or ""):
        raise Invalid("file_md5 must be 32 hexadecimal characters", errors={"file_md5": "not an MD5"})
    return value.lower()


class Presigner(Protocol):
    bucket: str

    def put_url(self, upload: AudienceUpload, *, expires: int) -> str: ...

    def post_form(self, upload: AudienceUpload, *, expires: int, max_bytes: int) -> PostPolicy: ...


class LocalPresigner:
    """URLs and POST policies that point at this server's own receiving routes."""

    bucket = LOCAL_BUCKET

    def __init__(self, signer: Signer, base_url: str) -> None:
        self._signer = signer
        self._base = base_url.rstrip("/")
        self._post_key = signer.derive("audience-post-policy")

    def put_url(self, upload: AudienceUpload, *, expires: int) -> str:
        sig = self._signer.sign("audience-put", upload.id, expires)
        return f"{self._base}/api/open/v1/uploads/{upload.id}?expires={expires}&signature={sig}"

    def check_put(self, upload_id: str, expires: int, signature: str, *, now: float) -> None:
        if expires < now:
            raise Forbidden("upload URL has expired")
        if not self._signer.verify("audience-put", upload_id, expires, signature, now=now):
            raise Forbidden("upload URL signature does not match")

    def _policy_signature(self, policy: str) -> str:
        # Same shape as OSS: base64 of an HMAC over the base64 policy document.
        return base64.b64encode(hmac.new(self._post_key, policy.encode(), hashlib.sha1).digest()).decode()

    def post_form(self, upload: AudienceUpload, *, expires: int, max_bytes: int) -> PostPolicy:
        doc = {
            "expiration": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conditions": [
                {"bucket": LOCAL_BUCKET},
                ["content-length-range", 0, max_bytes],
                ["eq", "$key", upload.blob_key],
                ["eq", "$success_action_status", "200"],
            ],
        }
        policy = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()
        return PostPolicy(
            url=f"{self._base}/api/open/v1/uploads/form",
            access_key_id=LOCAL_ACCESS_ID,
            policy=policy,
            signature=self._policy_signature(policy),
        )

    def check_post(self, fields: dict[str, str], *, now: float) -> tuple[str, int]:
        """The object key and size cap a POST form grants, once its policy and signature hold."""
        policy, signature = fields.get("policy", ""), fields.get("signature", "")
        if fields.get("OSSAccessKeyId", fields.get("AWSAccessKeyId")) != LOCAL_ACCESS_ID:
            raise Forbidden("unknown OSSAccessKeyId")
        if not policy or not same_signature(self._policy_signature(policy), signature):
            raise Forbidden("policy signature does not match")
        doc = json.loads(base64.b64decode(policy))
        expiration = datetime.strptime(doc["expiration"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
        if expiration.timestamp() < now:
            raise Forbidden("upload policy has expired")
        key, cap = "", 0
        for cond in doc["conditions"]:
            if isinstance(cond, list) and cond[0] == "content-length-range":
                cap = int(cond[2])
            elif isinstance(cond, list) and cond[:2] == ["eq", "$key"]:
                key = str(cond[2])
        if fields.get("key") != key:
            raise Forbidden("form field key does not match the policy")
        return key, cap


class S3Presigner:
    """Real presigned requests of the configured bucket."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.bucket = store.bucket

    def put_url(self, upload: AudienceUpload, *, expires: int) -> str:
        url: str = self._store.presign_put(upload.blob_key, expires_in=_seconds_left(expires))
        return url

    def post_form(self, upload: AudienceUpload, *, expires: int, max_bytes: int) -> PostPolicy:
        form: PostPolicy = self._store.presign_post(
            upload.blob_key, expires_in=_seconds_left(expires), max_bytes=max_bytes
        )
        return form


def _seconds_left(expires: int) -> int:
    return max(1, expires - int(datetime.now(UTC).timestamp()))


def presign(
    s: Session,
    p: Principal,
    *,
    presigner: Presigner,
    limits: UploadLimits,
    area_type: int,
    file_name: str,
    file_md5: str,
    now: datetime,
) -> dict[str, Any]:
    """Grant one upload; the answer is the seed's ``data`` object."""
    if area_type not in (AREA_PUT, AREA_POST):
        raise Invalid("area_type must be 1 or 2", errors={"area_type": "unknown area"})
    if p.project_id is None:
        raise Forbidden("audience files need a project key")
    file_extension(file_name)
    md5 = _md5(file_md5)
    upload_id = uuid.uuid4().hex
    safe = _SAFE_NAME.sub("_", file_name)[-120:]
    blob_key = blobkeys.audience_file(p.project_id, upload_id, safe)
    scheme = "s3" if area_type == AREA_PUT else "oss"
    expires_at = now + timedelta(seconds=limits.ttl_seconds)
    upload = repo.insert_upload(
        s,
        id=upload_id,
        org_id=p.org_id,
        project_id=p.project_id,
        environment=p.environment,
        area_type=area_type,
        file_name=file_name,
        file_md5=md5,
        blob_key=blob_key,
        data_path=f"{scheme}://{presigner.bucket}/{blob_key}",
        state="pending",
        expires_at=expires_at,
        created_at=now,
    )
    expires = int(expires_at.timestamp())
    data: dict[str, Any] = {
        "area_type": area_type,
        "file_name": file_name,
        "file_md5": file_md5,
        "ttl": limits.ttl_seconds,
    }
    if area_type == AREA_PUT:
        data["s3"] = {"method": "PUT", "url": presigner.put_url(upload, expires=expires), "data_path": upload.data_path}
    else:
        form = presigner.post_form(upload, expires=expires, max_bytes=limits.max_bytes)
        data["oss"] = {
            "method": "POST",
            "accessid": form.access_key_id,
            "host": form.url,
            "expire": expires,
            "signature": form.signature,
            "policy": form.policy,
            "dir": blob_key,
            "data_path": upload.data_path,
        }
    return data


# --- receiving on this server (local blob store) -------------------------------------------


def begin_receive(
    s: Session, *, upload_id: str | None = None, blob_key: str | None = None, now: datetime
) -> tuple[str, str]:
    """Claim a pending grant for one upload (its id and blob key); a second upload to it is refused."""
    upload = repo.get_upload(s, upload_id) if upload_id else repo.upload_by_blob_key(s, blob_key or "")
    if upload is None:
        raise NotFound("no such upload")
    if upload.expires_at < now:
        raise Forbidden("upload URL has expired")
    if not repo.claim_upload(s, upload.id, from_state="pending", to_state="receiving"):
        raise Conflict("this upload URL was already used; request a new one")
    return upload.id, upload.blob_key


def finish_receive(
    s: Session, upload_id: str, *, size: int | None, md5: str | None, error: str | None = None
) -> str | None:
    """Record how a receive ended (size and MD5 of what was stored, or the error); returns why the
    file is refused (the caller deletes it), or None."""
    upload = repo.get_upload(s, upload_id)
    assert upload is not None
    if error is None and size is None:
        error = "no file was received"
    if error is None and md5 != upload.file_md5:
        error = f"file MD5 {md5} does not match file_md5 {upload.file_md5}"
    if error is not None:
        repo.set_upload(s, upload_id, state="rejected", error=error)
        return error
    repo.set_upload(s, upload_id, state="uploaded", size=size)
    return None


# --- using an upload -------------------------------------------------------------------------


def take_upload(s: Session, p: Principal, data_path: str, *, blobs: BlobStore, max_bytes: int) -> AudienceUpload:
    """The verified upload behind a ``data_path``, marked used; refused if missing, foreign or bad."""
    upload = repo.upload_by_data_path(s, data_path)
    if upload is None or upload.project_id != p.project_id or upload.environment != p.environment:
        raise Invalid(f"unknown data_path {data_path}", errors={"data_path": "unknown"})
    if upload.state == "used":
        raise Invalid(f"data_path {data_path} was already used by an audience", errors={"data_path": "used"})
    if upload.state == "rejected":
        raise Invalid(f"the upload to {data_path} was refused: {upload.error}", errors={"data_path": "refused"})
    if upload.state != "uploaded":
        head = getattr(blobs, "head", None)
        if head is None:  # local store: the server saw (or did not see) the upload itself
            raise Invalid(f"nothing has been uploaded to {data_path} yet", errors={"data_path": "not uploaded"})
        _verify_remote(s, upload, head, blobs, max_bytes)
    repo.set_upload(s, upload.id, state="used")
    return upload


def _verify_remote(s: Session, upload: AudienceUpload, head: Any, blobs: BlobStore, max_bytes: int) -> None:
    # S3 receives the bytes without us: the object's size and single-part ETag (its MD5) are the proof.
    try:
        info: BlobInfo = head(upload.blob_key)
    except NotFound:
        raise Invalid(
            f"nothing has been uploaded to {upload.data_path} yet", errors={"data_path": "not uploaded"}
        ) from None
    problem: DomainError | None = None
    if info.size > max_bytes:
        problem = TooLarge(f"file is over the limit of {max_bytes} bytes")
    elif info.md5 != upload.file_md5:
        problem = Invalid(
            f"file MD5 {info.md5 or 'unknown (multipart upload)'} does not match file_md5 {upload.file_md5}",
            errors={"data_path": "md5 mismatch"},
        )
    if problem is not None:
        blobs.delete(upload.blob_key)
        raise problem
    upload.size = info.size
