#!/opt/s3/bin/python
"""`minio server DIR [--address :9000] [--console-address ...]` served by SeaweedFS.

The S3 API answers on the address's port (9000 by default, as MinIO's), and only
MINIO_ROOT_USER / MINIO_ROOT_PASSWORD may use it, as with MinIO. There is no console.
"""

import json
import os
import sys
from pathlib import Path

WEED = str(Path(sys.executable).parent / "weed")


def main(argv: list[str]) -> None:
    if not argv or argv[0] != "server":
        os.execvp(argv[0], argv)
    args = argv[1:]
    port = "9000"
    if "--address" in args:
        port = args[args.index("--address") + 1].rsplit(":", 1)[-1]
    data = Path(next(a for a in args if not a.startswith("-") and not a.startswith(":")))
    for sub in ("volumes", "meta"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    config = Path("/tmp/s3.json")
    identity = {
        "name": "root",
        "credentials": [
            {
                "accessKey": os.environ.get("MINIO_ROOT_USER", "minioadmin"),
                "secretKey": os.environ.get("MINIO_ROOT_PASSWORD", "minioadmin"),
            }
        ],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    config.chmod(0o600)
    os.execv(
        WEED,
        [
            WEED, "server", "-ip=127.0.0.1", "-ip.bind=0.0.0.0",
            f"-dir={data / 'volumes'}", f"-master.dir={data / 'meta'}",
            "-master.peers=none", "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
            "-volume.max=0", "-volume.preStopSeconds=0",
            "-s3", f"-s3.config={config}", f"-s3.port={port}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
