"""Media upload benchmark: a generated 12 MP phone JPEG through the real service.

Prints the p50 upload-to-201 time, the derivative step alone (Pillow, as the service runs
it), the same derivatives made by libvips in-process as the reference ratio, uploads per
second with both cores busy, and the service's peak RSS during a 20 MiB upload.

Setup (once, not part of CI): libvips from Debian and its binding from PyPI
    apt-get install -y libvips42
    uv run --with pyvips python -m bench.media [--uploads 15]
(as a module: run as a script, this file would shadow the `media` package)
Without pyvips it prints the Pillow figures alone. It uses PostgreSQL and S3 from
DATABASE_URL / S3_ENDPOINT like the stack, or starts its own.
"""

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psutil
from joserfc import jwt
from joserfc.jwk import ECKey
from PIL import Image

from media.images.processing import THUMB_SIDES, ImageLimits, WebpOptions, process_image
from services.media.tests.factories import jpeg_with_exif
from stack.platform import Stack
from stack.processes import ManagedProcess, free_port, wait_for
from stack.settings import StackSettings

MiB = 1024 * 1024
WEBP = WebpOptions()  # the service's defaults: quality 80, method 0


def phone_jpeg(size=(4000, 3000), quality=90) -> bytes:
    """A 12 MP photo-like JPEG (gradients and sensor noise) with a phone's EXIF and GPS."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 24)
    image = Image.merge("RGB", (red, green, noise))
    exif = Image.open(io.BytesIO(jpeg_with_exif((8, 8)))).getexif()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def unique(jpeg: bytes) -> bytes:
    """The same picture with a different sha256 (a comment segment), so dedupe never hits."""
    comment = uuid.uuid4().hex.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def padded_to(jpeg: bytes, target: int) -> bytes:
    """`jpeg` grown to `target` bytes with comment segments (still a valid JPEG)."""
    segments, missing = [], target - len(jpeg)
    while missing > 4:
        payload = min(missing - 4, 65533)
        segments.append(b"\xff\xfe" + (payload + 2).to_bytes(2, "big") + b"\x00" * payload)
        missing -= payload + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def pillow_derivatives(path: Path) -> float:
    started = time.perf_counter()
    process_image(path, limits=ImageLimits(max_pixels=50_000_000, max_side=20_000), webp=WEBP)
    return time.perf_counter() - started


def vips_derivatives(data: bytes) -> float:
    import pyvips

    started = time.perf_counter()
    for side in THUMB_SIDES.values():
        # Shrink-on-load, autorotate, no metadata: the same outputs as the service's.
        thumb = pyvips.Image.thumbnail_buffer(data, side, height=side)
        thumb.webpsave_buffer(Q=WEBP.quality, effort=WEBP.method, strip=True)
    return time.perf_counter() - started


class Service:
    """The media service as its own process, with a JWKS it trusts served next to it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.key = ECKey.generate_key("P-256", parameters={"kid": "bench"})
        (workdir / "jwks.json").write_text(json.dumps({"keys": [self.key.as_dict(private=False)]}))
        self.stack = Stack(StackSettings(stack_dir=workdir / "stack", name_prefix="bench_"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def token(self) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": "photo-platform",
            "aud": "photo-platform",
            "sub": str(uuid.uuid4()),
            "username": "bench",
            "iat": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode({"alg": "ES256", "kid": "bench"}, claims, self.key)
        return {"Authorization": f"Bearer {token}"}

    def start(self) -> None:
        self.stack.start_servers()
        jwks_port = free_port()
        bin_dir = Path(sys.executable).parent
        self.jwks = ManagedProcess(
            "jwks",
            [
                sys.executable,
                "-m",
                "http.server",
                str(jwks_port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(self.workdir),
            ],
            log_path=self.workdir / "jwks.log",
        )
        s3 = self.stack.servers["s3"].url
        env = {
            "MEDIA_DATABASE_URL": self.stack.database_url("media"),
            "MEDIA_S3_ENDPOINT": s3,
            "MEDIA_S3_ACCESS_KEY": self.stack.settings.s3_access_key,
            "MEDIA_S3_SECRET_KEY": self.stack.settings.s3_secret_key,
            "MEDIA_S3_BUCKET": "bench-media",
            "MEDIA_JWKS_URL": f"http://127.0.0.1:{jwks_port}/jwks.json",
            "MEDIA_QUOTA_BYTES": str(1024 * 1024 * MiB),
            "LOG_LEVEL": "WARNING",
        }
        self.process = ManagedProcess(
            "media",
            [
                str(bin_dir / "uvicorn"),
                "media.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            log_path=self.workdir / "media.log",
            env=env,
        )
        self.jwks.start()
        self.process.start()
        wait_for(
            lambda: httpx.get(f"{self.url}/health").status_code == 200,
            timeout=60,
            what="media",
            process=self.process,
        )

    def stop(self) -> None:
        self.process.stop()
        self.jwks.stop()
        self.stack.stop()


async def upload(client: httpx.AsyncClient, headers, data: bytes) -> float:
    started = time.perf_counter()
    response = await client.post("/media", headers=headers, files={"file": ("p.jpg", data)})
    assert response.status_code == 201, response.text
    return time.perf_counter() - started


async def measure_service(service: Service, jpeg: bytes, uploads: int) -> dict[str, float]:
    headers = service.token()
    async with httpx.AsyncClient(base_url=service.url, timeout=120) as client:
        await upload(client, headers, unique(jpeg))  # warm-up: imports, pools, connections
        serial = [await upload(client, headers, unique(jpeg)) for _ in range(uploads)]

        # Both cores busy: more uploads in flight than cores.
        started = time.perf_counter()
        parallel = uploads * 2
        batch = [unique(jpeg) for _ in range(parallel)]
        semaphore = asyncio.Semaphore(4)

        async def limited(data: bytes) -> float:
            async with semaphore:
                return await upload(client, headers, data)

        await asyncio.gather(*(limited(d) for d in batch))
        rate = parallel / (time.perf_counter() - started)

        big = padded_to(unique(jpeg), 20 * MiB - 64 * 1024)
        process = psutil.Process(service.process.pid)
        peak, done = [process.memory_info().rss], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak.append(sum(p.memory_info().rss for p in [process, *process.children(True)]))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        await upload(client, headers, big)
        done.set()
        sampler.join()
    return {
        "p50": statistics.median(serial),
        "rate": rate,
        "rss_idle": peak[0],
        "rss_peak": max(peak),
        "big_bytes": len(big),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=15)
    args = parser.parse_args()

    jpeg = phone_jpeg()
    print(f"12 MP JPEG: 4000x3000, {len(jpeg) / MiB:.1f} MiB, EXIF orientation 6 and GPS")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "photo.jpg"
        path.write_bytes(jpeg)
        pillow_derivatives(path)
        pillow = statistics.median(pillow_derivatives(path) for _ in range(args.uploads))
        print(
            f"derivatives (Pillow, 1080+320 WebP q{WEBP.quality} m{WEBP.method}, "
            f"GPS strip): p50 {ms(pillow)}"
        )
        try:
            vips_derivatives(jpeg)
            vips = statistics.median(vips_derivatives(jpeg) for _ in range(args.uploads))
            print(f"derivatives (pyvips thumbnail_buffer, same outputs): p50 {ms(vips)}")
            print(f"ratio Pillow / pyvips: {pillow / vips:.2f}x (target <= 1.0x)")
        except ImportError:
            print("pyvips not installed (see the setup notes above): Pillow figures only")

        service = Service(workdir)
        service.start()
        try:
            figures = asyncio.run(measure_service(service, jpeg, args.uploads))
        finally:
            service.stop()
    print(f"upload-to-201: p50 {ms(figures['p50'])} over {args.uploads} uploads (target <= 250 ms)")
    print(
        f"throughput, 4 uploads in flight on {os.cpu_count()} cores: "
        f"{figures['rate']:.1f} uploads/s"
    )
    print(
        f"service RSS during a {figures['big_bytes'] / MiB:.1f} MiB upload: "
        f"{figures['rss_idle'] / MiB:.0f} MiB idle, peak {figures['rss_peak'] / MiB:.0f} MiB"
    )


if __name__ == "__main__":
    main()
