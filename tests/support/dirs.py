"""Data directories for servers the tests start, outside pytest's own temporary tree."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def server_data_dir(prefix: str) -> Iterator[Path]:
    """A fresh directory under the system's temp dir, removed afterwards.

    Not under pytest's tmp_path: every pytest run on the machine makes /tmp/pytest-of-<user>
    private (0700) again, which locks the unprivileged Postgres user out of a data directory
    below it, even in the middle of another run (Postgres then PANICs).
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
