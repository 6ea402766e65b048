"""Kubernetes' split of migrations: a Job runs `python -m common.migrate SERVICE`, and the
replicas (MIGRATE_ON_START=false) wait for head instead of migrating themselves."""

import asyncio
import os
import subprocess
import sys

import pytest

from common.db import applied_revisions, ensure_database, prepare_database
from social.main import MIGRATIONS


@pytest.mark.timeout(120)
async def test_a_replica_waits_for_the_migration_job_then_starts(fresh_database):
    url = await fresh_database("test_migration_job")
    replica = asyncio.create_task(prepare_database(url, MIGRATIONS, migrate_on_start=False))
    await asyncio.sleep(1.5)
    assert not replica.done(), "a replica must not start on a database that isn't at head"
    assert await applied_revisions(url) == set(), "and must not migrate it itself"

    job = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "common.migrate",
        "social",
        env={**os.environ, "SOCIAL_DATABASE_URL": url},
        stderr=subprocess.PIPE,
    )
    _, stderr = await job.communicate()
    assert job.returncode == 0, stderr.decode()
    async with asyncio.timeout(10):
        await replica
    assert await applied_revisions(url) != set()


async def test_processes_creating_their_database_at_the_same_instant_all_succeed(fresh_database):
    """Compose starts the igscraper API and worker together on a fresh volume."""
    url = await fresh_database("test_migration_race")
    await asyncio.gather(*(ensure_database(url) for _ in range(8)))
