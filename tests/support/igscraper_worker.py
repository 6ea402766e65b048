"""The igscraper worker as a real process, with a given Settings (tests and the bench)."""

import sys
from pathlib import Path

from igscraper.config import Settings
from stack.processes import ManagedProcess


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a worker process exactly these settings."""
    env = {"LOG_LEVEL": "INFO"}
    for name, value in settings.model_dump(exclude={"log_level"}).items():
        if value is not None:
            plain = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            env[f"IGSCRAPER_{name.upper()}"] = str(plain)
    return env


def start_worker(
    settings: Settings, log: Path, *, name: str = "igscraper-worker"
) -> ManagedProcess:
    """`python -m igscraper.worker` with these settings, logging to `log`."""
    argv = [sys.executable, "-m", "igscraper.worker"]
    process = ManagedProcess(name, argv, log_path=log, env=worker_env(settings))
    process.start()
    return process
