"""The S3 bucket (MinIO in production, any S3 server in development) behind media."""

import asyncio
import functools
import io
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import certifi
import urllib3
from fastapi import FastAPI
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error, ServerError
from urllib3 import BaseHTTPResponse

from common.errors import DependencyUnavailable
from media.config import Settings

CHUNK_BYTES = 256 * 1024
T = TypeVar("T")


def create_client(settings: Settings) -> Minio:
    endpoint = urlsplit(settings.s3_endpoint)
    # minio's own default waits 5 minutes per read and retries 5 times: a hung S3 would
    # hold a request (and a thread) for as long. These give up in seconds.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(
            connect=settings.s3_connect_timeout_seconds, read=settings.s3_read_timeout_seconds
        ),
        retries=urllib3.Retry(
            total=settings.s3_retries,
            backoff_factor=0.1,
            status_forcelist=(500, 502, 503, 504),
        ),
        maxsize=settings.s3_workers,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
    )
    return Minio(
        endpoint.netloc,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=endpoint.scheme == "https",
        region=settings.s3_region,
        http_client=http,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket)
        except S3Error as error:
            # Another replica starting at the same moment made it first.
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


@dataclass
class StoredObject:
    """An object being read: iterate `chunks()` (blocking), then `close()`."""

    response: BaseHTTPResponse

    @property
    def size(self) -> str | None:
        return self.response.headers.get("content-length")

    def chunks(self) -> Iterator[bytes]:
        yield from self.response.stream(CHUNK_BYTES)

    def close(self) -> None:
        self.response.close()
        self.response.release_conn()


@dataclass(frozen=True)
class ListedObject:
    key: str
    last_modified: datetime


class ObjectStore:
    """The bucket, with minio's blocking calls moved off the event loop onto threads of
    their own: a hung S3 ties up these, never the loop's default pool (or /health)."""

    def __init__(
        self, client: Minio, bucket: str, *, executor: ThreadPoolExecutor, deadline: float
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.executor = executor
        self.deadline = deadline

    async def _run(self, call: Callable[[], T]) -> T:
        """Run a blocking S3 call; S3 down, failing or slower than the deadline (waiting
        for a free thread included) is a 503 naming it."""
        future = asyncio.get_running_loop().run_in_executor(self.executor, call)
        try:
            return await asyncio.wait_for(future, self.deadline)
        except (urllib3.exceptions.HTTPError, ServerError, TimeoutError) as exc:
            raise DependencyUnavailable("s3", "The object store is unavailable") from exc

    async def put(self, key: str, source: Path | bytes, content_type: str) -> None:
        def upload() -> None:
            if isinstance(source, bytes):
                self.client.put_object(
                    self.bucket, key, io.BytesIO(source), len(source), content_type=content_type
                )
            else:
                self.client.fput_object(self.bucket, key, str(source), content_type=content_type)

        await self._run(upload)

    async def open(self, key: str) -> StoredObject | None:
        """The object at `key` ready to stream, or None when it is missing."""
        try:
            response = await self._run(functools.partial(self.client.get_object, self.bucket, key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return None
            raise
        return StoredObject(response)

    async def remove(self, keys: list[str]) -> None:
        def delete() -> None:
            errors = self.client.remove_objects(self.bucket, [DeleteObject(k) for k in keys])
            # The call is lazy: the deletes only happen while its errors are read.
            failed = [f"{e.name}: {e.code}" for e in errors]
            if failed:
                raise RuntimeError(f"could not delete {failed}")

        await self._run(delete)

    async def list_keys(self, prefix: str) -> list[str]:
        def listing() -> list[str]:
            objects = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return [o.object_name for o in objects if o.object_name]

        return await asyncio.to_thread(listing)

    async def list_page(
        self, prefix: str, *, start_after: str | None, limit: int
    ) -> list[ListedObject]:
        """Up to `limit` objects under `prefix` after `start_after`, in key order: one
        ListObjectsV2 request, so a walk of the bucket holds one page at a time."""

        def listing() -> list[ListedObject]:
            objects = self.client.list_objects(
                self.bucket,
                prefix=prefix,
                recursive=True,
                start_after=start_after,
                extra_query_params={"max-keys": str(limit)},
            )
            # A date S3 left out counts as now: such an object is never old enough to go.
            return [
                ListedObject(str(o.object_name), o.last_modified or datetime.now(UTC))
                for o in itertools.islice(objects, limit)
            ]

        return await self._run(listing)

    async def bucket_exists(self) -> bool:
        return await self._run(functools.partial(self.client.bucket_exists, self.bucket))


@asynccontextmanager
async def object_storage(app: FastAPI, settings: Settings) -> AsyncIterator[ObjectStore]:
    """Lifespan part: the store on `app.state.objects`, the bucket created, health-checked."""
    client = create_client(settings)
    executor = ThreadPoolExecutor(max_workers=settings.s3_workers, thread_name_prefix="s3")
    # minio's client is blocking; keep it off the event loop.
    await asyncio.to_thread(ensure_bucket, client, settings.s3_bucket)
    objects = ObjectStore(
        client, settings.s3_bucket, executor=executor, deadline=settings.s3_deadline_seconds
    )
    app.state.objects = objects

    async def check() -> None:
        if not await objects.bucket_exists():
            raise RuntimeError("bucket missing")

    app.state.health_checks["s3"] = check
    try:
        yield objects
    finally:
        # Threads stuck on a hung S3 end at their read timeout; nobody waits for them.
        executor.shutdown(wait=False, cancel_futures=True)
