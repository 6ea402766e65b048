#!/opt/s3/bin/python
"""The part of MinIO's `mc` that docker-compose.yml uses:

    mc ready ALIAS                       exit 0 once the server answers signed requests
    mc alias set ALIAS URL KEY SECRET
    mc mb [--ignore-existing] ALIAS/BUCKET

The alias `local` is the server in this container, with MINIO_ROOT_USER's credentials.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import urllib3
from minio import Minio

CONFIG = Path.home() / ".mc" / "config.json"


def aliases() -> dict[str, dict[str, str]]:
    found = {
        "local": {
            "url": "http://127.0.0.1:9000",
            "accessKey": os.environ.get("MINIO_ROOT_USER", "minioadmin"),
            "secretKey": os.environ.get("MINIO_ROOT_PASSWORD", "minioadmin"),
        }
    }
    if CONFIG.exists():
        found |= json.loads(CONFIG.read_text())
    return found


def client(alias: str) -> Minio:
    entry = aliases()[alias]
    url = urlsplit(entry["url"])
    http = urllib3.PoolManager(timeout=urllib3.Timeout(total=4), retries=False)
    return Minio(
        url.netloc,
        access_key=entry["accessKey"],
        secret_key=entry["secretKey"],
        secure=url.scheme == "https",
        http_client=http,
    )


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    if args[:2] == ["alias", "set"]:
        name, url, key, secret = args[2:6]
        saved = json.loads(CONFIG.read_text()) if CONFIG.exists() else {}
        saved[name] = {"url": url, "accessKey": key, "secretKey": secret}
        CONFIG.parent.mkdir(parents=True, exist_ok=True)
        CONFIG.write_text(json.dumps(saved))
        CONFIG.chmod(0o600)
        print(f"Added `{name}` successfully.")
        return 0
    if args[:1] == ["ready"]:
        try:
            client(args[1]).list_buckets()
        except Exception as exc:
            print(f"not ready: {type(exc).__name__}", file=sys.stderr)
            return 1
        return 0
    if args[:1] == ["mb"]:
        alias, bucket = args[1].split("/", 1)
        s3 = client(alias)
        if s3.bucket_exists(bucket):
            if "--ignore-existing" in flags:
                return 0
            print(f"Bucket `{bucket}` already exists.", file=sys.stderr)
            return 1
        s3.make_bucket(bucket)
        print(f"Bucket created successfully `{args[1]}`.")
        return 0
    print(f"mc stand-in: unsupported command {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
