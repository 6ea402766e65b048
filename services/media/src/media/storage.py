"""The S3 bucket (MinIO in production, any S3 server in development) behind media."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from minio import Minio

from media.config import Settings


def create_client(settings: Settings) -> Minio:
    endpoint = urlsplit(settings.s3_endpoint)
    return Minio(
        endpoint.netloc,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=endpoint.scheme == "https",
        region=settings.s3_region,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


@asynccontextmanager
async def object_storage(app: FastAPI, settings: Settings) -> AsyncIterator[Minio]:
    """Lifespan part: the client on `app.state.s3`, the bucket created, health-checked."""
    client = create_client(settings)
    # minio's client is blocking; keep it off the event loop.
    await asyncio.to_thread(ensure_bucket, client, settings.s3_bucket)
    app.state.s3 = client

    async def check() -> None:
        if not await asyncio.to_thread(client.bucket_exists, settings.s3_bucket):
            raise RuntimeError("bucket missing")

    app.state.health_checks["s3"] = check
    yield client
