"""S3-compatible blob storage (scale mode) on boto3: streamed puts, ranged reads, presigned uploads.

Selected by ``blob_backend = "s3"``. Object keys are the same relative keys the local store uses,
under ``s3_key_prefix`` in ``s3_bucket``. Writes stream as multipart uploads, so memory holds at
most one part whatever the file size.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from traitbase.config import Settings
from traitbase.errors import NotFound, TooLarge
from traitbase.storage.blobs import BlobInfo, check_key
from traitbase.storage.blobs_s3_reader import open_ranged

PART_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class PostPolicy:
    """A presigned POST form: where to send it and the fields that prove the grant."""

    url: str
    access_key_id: str
    policy: str
    signature: str


class S3BlobStore:
    backend = "s3"

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_key_prefix
        common: dict[str, Any] = {
            "endpoint_url": settings.s3_endpoint_url,
            "region_name": settings.s3_region,
            "aws_access_key_id": settings.s3_access_key_id,
            "aws_secret_access_key": settings.s3_secret_access_key,
        }
        self._s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
        # POST policies in the classic form (AWSAccessKeyId/policy/signature) are the only kind whose
        # fields map one to one onto the OSS-style form that audience-file clients send.
        self._s3_v2 = boto3.client(
            "s3", config=Config(signature_version="s3", s3={"addressing_style": "path"}), **common
        )
        self.access_key_id = settings.s3_access_key_id or ""
        # Readiness probes must answer quickly: no retries and short timeouts (the data client keeps its own).
        probe = Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=2, retries={"max_attempts": 1})
        self._probe = boto3.client("s3", config=probe, **common)

    def _k(self, key: str) -> str:
        return self.prefix + check_key(key)

    def ping(self) -> None:
        self._probe.head_bucket(Bucket=self.bucket)

    # --- writing ---------------------------------------------------------------------------
    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> BlobInfo:
        full = self._k(key)
        md5, size = hashlib.md5(usedforsecurity=False), 0
        upload_id = self._s3.create_multipart_upload(Bucket=self.bucket, Key=full)["UploadId"]
        parts: list[dict[str, Any]] = []
        buf = bytearray()
        try:
            for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(f"file is over the limit of {max_bytes} bytes")
                md5.update(chunk)
                buf += chunk
                if len(buf) >= PART_SIZE:
                    parts.append(self._part(full, upload_id, len(parts) + 1, bytes(buf)))
                    buf.clear()
            if buf or not parts:
                parts.append(self._part(full, upload_id, len(parts) + 1, bytes(buf)))
            self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=full, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise
        return BlobInfo(key=key, size=size, md5=md5.hexdigest())

    def _part(self, full: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        r = self._s3.upload_part(Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number, Body=body)
        return {"ETag": r["ETag"], "PartNumber": number}

    async def put_async(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None) -> BlobInfo:
        # Spooled to a local temporary file first so the event loop never waits on S3 part uploads.
        from starlette.concurrency import run_in_threadpool

        with tempfile.TemporaryFile() as tmp:
            size = 0
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(f"file is over the limit of {max_bytes} bytes")
                tmp.write(chunk)
            tmp.seek(0)
            return await run_in_threadpool(self.put_stream, key, iter(lambda: tmp.read(PART_SIZE), b""))

    # --- reading ---------------------------------------------------------------------------
    def open(self, key: str) -> BinaryIO:
        # Seekable (ranged GETs): readers sniff the first bytes and resume at offsets.
        size = self.size(key)
        name = self._k(key)

        def get_from(offset: int) -> object:
            return self._s3.get_object(Bucket=self.bucket, Key=name, Range=f"bytes={offset}-")["Body"]

        return open_ranged(get_from, size)

    def iter_chunks(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=self._k(key), Range=f"bytes={start}-")["Body"]
        except self._s3.exceptions.NoSuchKey:
            raise NotFound(f"no stored file {key}") from None
        yield from body.iter_chunks(1024 * 1024)

    def local_path(self, key: str) -> Path | None:
        return None

    def head(self, key: str) -> BlobInfo:
        """Size and MD5 of a stored object; the MD5 is empty for multipart objects (their ETag is not one)."""
        from botocore.exceptions import ClientError

        try:
            h = self._s3.head_object(Bucket=self.bucket, Key=self._k(key))
        except ClientError:
            raise NotFound(f"no stored file {key}") from None
        etag = str(h.get("ETag", "")).strip('"')
        return BlobInfo(key=key, size=int(h["ContentLength"]), md5="" if "-" in etag else etag.lower())

    def size(self, key: str) -> int:
        return self.head(key).size

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        full = self._k(key)
        self._s3.delete_object(Bucket=self.bucket, Key=full)
        # Keys are also used as folders (``imports/<uuid>/``); delete what lies beneath too.
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full + "/")
        for page in pages:
            for obj in page.get("Contents", []):
                self._s3.delete_object(Bucket=self.bucket, Key=obj["Key"])

    # --- presigned uploads -----------------------------------------------------------------
    def presign_put(self, key: str, *, expires_in: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": self._k(key)}, ExpiresIn=expires_in
        )
        return url

    def presign_post(self, key: str, *, expires_in: int, max_bytes: int) -> PostPolicy:
        full = self._k(key)
        form = self._s3_v2.generate_presigned_post(
            self.bucket,
            full,
            Fields={"success_action_status": "200"},
            Conditions=[["content-length-range", 0, max_bytes], {"success_action_status": "200"}],
            ExpiresIn=expires_in,
        )
        f = form["fields"]
        return PostPolicy(
            url=form["url"], access_key_id=f["AWSAccessKeyId"], policy=f["policy"], signature=f["signature"]
        )

    def object_url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._k(key)}"
