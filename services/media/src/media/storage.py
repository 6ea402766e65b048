"""The S3 bucket (MinIO in production, any S3 server in development) behind media."""

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from minio import Minio
from minio.datatypes import Object
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from urllib3 import BaseHTTPResponse

from media.config import Settings

CHUNK_BYTES = 256 * 1024


def create_client(settings: Settings) -> Minio:
    endpoint = urlsplit(settings.s3_endpoint)
    return Minio(
        endpoint.netloc,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=endpoint.scheme == "https",
        region=settings.s3_region,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


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


class ObjectStore:
    """The bucket, with minio's blocking calls moved off the event loop."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    async def put(self, key: str, source: Path | bytes, content_type: str) -> None:
        def upload() -> None:
            if isinstance(source, bytes):
                self.client.put_object(
                    self.bucket, key, io.BytesIO(source), len(source), content_type=content_type
                )
            else:
                self.client.fput_object(self.bucket, key, str(source), content_type=content_type)

        await asyncio.to_thread(upload)

    async def open(self, key: str) -> StoredObject | None:
        """The object at `key` ready to stream, or None when it is missing."""
        try:
            response = await asyncio.to_thread(self.client.get_object, self.bucket, key)
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

        await asyncio.to_thread(delete)

    async def list_modified_before(self, prefix: str, cutoff: datetime) -> list[Object]:
        def listing() -> list[Object]:
            objects = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return [o for o in objects if o.last_modified and o.last_modified < cutoff]

        return await asyncio.to_thread(listing)


@asynccontextmanager
async def object_storage(app: FastAPI, settings: Settings) -> AsyncIterator[ObjectStore]:
    """Lifespan part: the store on `app.state.objects`, the bucket created, health-checked."""
    client = create_client(settings)
    # minio's client is blocking; keep it off the event loop.
    await asyncio.to_thread(ensure_bucket, client, settings.s3_bucket)
    app.state.objects = ObjectStore(client, settings.s3_bucket)

    async def check() -> None:
        if not await asyncio.to_thread(client.bucket_exists, settings.s3_bucket):
            raise RuntimeError("bucket missing")

    app.state.health_checks["s3"] = check
    yield app.state.objects
