"""A real Celery worker process for the tests that need one.

The worker runs `celery -A config worker` in a subprocess, on the broker the settings
name (Redis in CI, the embedded filesystem broker elsewhere), against the test database
and this test's media folders, on a queue of its own so stray messages never reach it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_worker() -> str:
    """Return a DATABASE_URL naming the test database the current test uses."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    queue: str
    log_path: Path

    def log(self) -> str:
        """Return what the worker printed so far."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    """Start a real Celery worker on a private queue; tasks sent by the test go to it."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_worker(),
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.STORAGES["default"]["OPTIONS"].get("location", settings.MEDIA_ROOT)),
        "PRIVATE_MEDIA_ROOT": str(settings.STORAGES["private"]["OPTIONS"].get("location", settings.PRIVATE_MEDIA_ROOT)),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("PORTAL_BASE_URL", "PORTAL_TOKEN_URL", "PUBLIC_MEDIA_BASE_URL", "CELERY_BROKER_DIR"):
        value = getattr(settings, name, None)
        if value:
            env[name] = str(value)
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    app.amqp.__dict__.pop("router", None)
    worker = WorkerProcess(process=process, queue=queue, log_path=log_path)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{worker.log()}")
            time.sleep(0.1)
        yield worker
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
