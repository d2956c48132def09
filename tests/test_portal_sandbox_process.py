"""The sandbox as a process: started by the management command, stopped by signals, and
keeping its state (and unfinished work) across a restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.sandbox_fixtures import (
    ROOT,
    PortalSandbox,
    classified_payload,
    free_port,
    make_jpeg,
    picture,
    start_sandbox,
    stop_sandbox,
)


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.1)


def test_the_management_command_serves_the_sandbox_and_stops_on_sigterm_and_sigint(tmp_path) -> None:
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        port = free_port()
        env = {**os.environ, "PORTAL_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3")}
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_portal_sandbox", "--port", str(port), "--quiet"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_until_answering(f"http://127.0.0.1:{port}/", process)
            process.send_signal(stop_signal)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_state_survives_a_restart_and_unfinished_work_resumes(tmp_path, media_host) -> None:
    url = media_host.put("/a.jpg", make_jpeg())
    port = free_port()
    # Slow steps: the sandbox is stopped while the classified is still being processed.
    slow = start_sandbox(tmp_path, port=port, PORTAL_SANDBOX_STEP_DELAY="5")
    sandbox = PortalSandbox(server=slow)
    headers = sandbox.headers()
    try:
        response = requests.post(
            f"{sandbox.base_url}/classifieds",
            json=classified_payload("L-1", [picture(url)]),
            headers=headers,
            timeout=10,
        )
        classified_id = response.json()["classifiedId"]
    finally:
        stop_sandbox(slow)
    assert [item["status"] for item in sandbox_statuses_offline(tmp_path, classified_id)] == ["RECEIVED"]

    restarted = PortalSandbox(server=start_sandbox(tmp_path, port=port))
    try:
        final = restarted.wait_for_final_status(classified_id)
        still_valid = requests.get(f"{restarted.base_url}/classifieds/{classified_id}", headers=headers, timeout=10)
    finally:
        stop_sandbox(restarted.server)

    assert final["status"] == "CREATED"
    assert still_valid.status_code == 200  # the token was kept too


def sandbox_statuses_offline(directory: Path, classified_id: str) -> list[dict]:
    """Return the statuses stored in a stopped sandbox's database."""
    with sqlite3.connect(directory / "portal_sandbox.sqlite3") as db:
        rows = db.execute(
            "SELECT status FROM portal_sandbox_statusevent WHERE classified_id = ? ORDER BY id",
            (classified_id.replace("-", ""),),
        ).fetchall()
    return [{"status": status} for (status,) in rows]
