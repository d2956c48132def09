"""The portal sandbox and a media host, as real servers, for tests that talk HTTP.

``portal_sandbox_server`` starts ``python -m portal_sandbox`` once per session on a free
port with a temporary database and no delay between processing steps;
``portal_sandbox`` resets it before each test and offers helpers; ``media_host`` serves
the files a test registers, the way the product's public media URLs would.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "MediaImmoTests/1.0 python-requests/2 linux/6"
FINAL_STATUSES = {
    "CREATED", "CREATED_WITH_MEDIA_ERROR", "CREATING_FAILED", "UPDATED", "UPDATED_WITH_MEDIA_ERROR",
    "UPDATING_FAILED", "DELETED", "DELETING_FAILED",
}  # fmt: skip
# Short on purpose: tests of slow media hosts wait this long at most.
DOWNLOAD_TIMEOUT = 1.5
MAX_MEDIA_BYTES = 5_000_000


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_jpeg(width: int = 1000, height: int = 700, color: tuple[int, int, int] = (180, 120, 60)) -> bytes:
    """Return a small JPEG; vary ``color`` to get different content."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), color).save(output, format="JPEG", quality=85)
    return output.getvalue()


def picture(url: str, **fields: object) -> dict:
    """Return a PICTURE media item for a payload."""
    return {"url": url, "mediaType": "PICTURE", **fields}


def classified_payload(offerer_estate_id: str, media: list[dict] | None = None, **data: object) -> dict:
    """Return a valid classified payload for a flat for sale in Lyon; ``data`` overrides keys."""
    return {
        "portals": ["SL"],
        "data": {
            "estateType": "APARTMENT",
            "distributionType": "BUY",
            "location": {
                "postalcode": "69003",
                "city": "Lyon",
                "street": "rue Paul Bert",
                "houseNumber": "12",
                "country": "FRA",
            },
            "prices": {"currency": "EUR", "buy": {"price": {"amount": 289000}}},
            "texts": {"headline": {"fr": "Appartement lumineux avec balcon"}},
            "metaData": {
                "source": {
                    "sourceSystem": "MediaImmo",
                    "sourceSystemVersion": "1.0",
                    "offererMarketingKey": f"MK-{offerer_estate_id}",
                    "offererEstateId": offerer_estate_id,
                }
            },
            **data,
        },
        "media": media or [],
    }


@dataclass
class SandboxProcess:
    """The sandbox subprocess of the test session."""

    root_url: str
    process: subprocess.Popen
    log_path: Path
    client_id: str
    client_secret: str
    audience: str

    def log(self) -> str:
        """Return what the sandbox printed so far."""
        return self.log_path.read_text(errors="replace")


def start_sandbox(directory: Path, *, port: int | None = None, **env: str) -> SandboxProcess:
    """Start ``python -m portal_sandbox`` with its database in ``directory``; wait until it answers."""
    port = port or free_port()
    settings_env = {
        "PORTAL_SANDBOX_DB": str(directory / "portal_sandbox.sqlite3"),
        "PORTAL_SANDBOX_STEP_DELAY": "0",
        "PORTAL_SANDBOX_DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT),
        "PORTAL_SANDBOX_MAX_MEDIA_BYTES": str(MAX_MEDIA_BYTES),
        "PORTAL_CLIENT_ID": os.environ.get("PORTAL_CLIENT_ID", "mediaimmo-demo"),
        "PORTAL_CLIENT_SECRET": os.environ.get("PORTAL_CLIENT_SECRET", "mediaimmo-demo-secret"),
        "PORTAL_AUDIENCE": os.environ.get("PORTAL_AUDIENCE", "https://api.aviv-group.com/caas"),
        **env,
    }
    log_path = directory / f"portal_sandbox-{port}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal_sandbox", "--port", str(port), "--threads", "8"],
            cwd=ROOT, env={**os.environ, **settings_env, "PYTHONUNBUFFERED": "1"},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    sandbox = SandboxProcess(
        root_url=f"http://127.0.0.1:{port}",
        process=process,
        log_path=log_path,
        client_id=settings_env["PORTAL_CLIENT_ID"],
        client_secret=settings_env["PORTAL_CLIENT_SECRET"],
        audience=settings_env["PORTAL_AUDIENCE"],
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{sandbox.root_url}/_sandbox/stats", timeout=2).status_code == 200:
                return sandbox
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_sandbox(sandbox)
            raise RuntimeError(f"the portal sandbox did not start:\n{sandbox.log()}")
        time.sleep(0.1)


def stop_sandbox(sandbox: SandboxProcess) -> int:
    """Stop the sandbox with SIGTERM (as honcho does) and return its exit code."""
    sandbox.process.terminate()
    try:
        return sandbox.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.process.kill()
        return sandbox.process.wait()


@pytest.fixture(scope="session")
def portal_sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """Run one sandbox for the whole session."""
    sandbox = start_sandbox(tmp_path_factory.mktemp("portal_sandbox"))
    try:
        yield sandbox
    finally:
        stop_sandbox(sandbox)


@dataclass
class PortalSandbox:
    """A freshly reset sandbox, with the URLs and credentials a portal client needs."""

    server: SandboxProcess
    user_agent: str = USER_AGENT
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def root_url(self) -> str:
        return self.server.root_url

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/caas/v4"

    @property
    def token_url(self) -> str:
        return f"{self.root_url}/oauth/token"

    @property
    def client_id(self) -> str:
        return self.server.client_id

    @property
    def client_secret(self) -> str:
        return self.server.client_secret

    @property
    def audience(self) -> str:
        return self.server.audience

    def reset(self) -> None:
        """Forget every classified, token, counter and fault."""
        requests.post(f"{self.root_url}/_sandbox/reset", timeout=30).raise_for_status()
        self._tokens.clear()

    def stats(self) -> dict:
        """Return the sandbox's counters (GET /_sandbox/stats)."""
        response = requests.get(f"{self.root_url}/_sandbox/stats", timeout=10)
        response.raise_for_status()
        return response.json()

    def inject_fault(self, **spec: object) -> dict:
        """Inject faults (see portal_sandbox.faults) and return the active ones."""
        response = requests.post(f"{self.root_url}/_sandbox/faults", json=spec, timeout=10)
        response.raise_for_status()
        return response.json()

    def token_body(self, intermediary_id: str = "agency-test") -> dict:
        """Return a valid token request body."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "client_credentials",
            "audience": self.audience,
            "intermediary_id": intermediary_id,
        }

    def token(self, intermediary_id: str = "agency-test") -> str:
        """Return a bearer token for the agency, requested once per test (it is counted)."""
        if intermediary_id not in self._tokens:
            response = requests.post(self.token_url, json=self.token_body(intermediary_id), timeout=10)
            response.raise_for_status()
            self._tokens[intermediary_id] = response.json()["access_token"]
        return self._tokens[intermediary_id]

    def headers(self, intermediary_id: str = "agency-test", **extra: str) -> dict:
        """Return the headers of an API call: token and User-Agent."""
        return {"Authorization": f"Bearer {self.token(intermediary_id)}", "User-Agent": self.user_agent, **extra}

    def inspect(self, classified_id: str) -> dict:
        """Return everything the sandbox knows about a classified, without touching counters."""
        response = requests.get(f"{self.root_url}/_sandbox/classifieds/{classified_id}", timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_for_final_status(self, classified_id: str, timeout: float = 10.0) -> dict:
        """Return the final status item of the classified's latest revision, polling for it."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.inspect(classified_id)
            finals = [
                s for s in state["statuses"] if s["revision"] == state["revision"] and s["status"] in FINAL_STATUSES
            ]
            if finals:
                return finals[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no final status after {timeout} s: {state['statuses'][-1:]}")
            time.sleep(0.05)

    def preview_url(self, classified_id: str) -> str:
        """Return the URL of the page showing what the portal displays."""
        return f"{self.root_url}/classifieds/{classified_id}/preview"


@pytest.fixture
def portal_sandbox(portal_sandbox_server: SandboxProcess) -> PortalSandbox:
    """Return the session's sandbox, reset for this test."""
    sandbox = PortalSandbox(server=portal_sandbox_server)
    sandbox.reset()
    return sandbox


class MediaHost:
    """A tiny HTTP server whose files, failures and delays a test controls."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[int, bytes, str, float]] = {}
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.root_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` (which may carry a query string)."""
        return self.root_url + path

    def put(self, path: str, data: bytes, content_type: str = "image/jpeg", *, delay: float = 0) -> str:
        """Serve ``data`` at ``path`` (query string ignored), answering after ``delay`` s; return the URL."""
        with self._lock:
            self._files[path.split("?")[0]] = (200, data, content_type, delay)
        return self.url(path)

    def fail(self, path: str, status: int = 404) -> str:
        """Make ``path`` answer an HTTP error; return its URL."""
        with self._lock:
            self._files[path.split("?")[0]] = (status, b"error", "text/plain", 0)
        return self.url(path)

    def hits(self, path: str) -> int:
        """Return how many GET requests reached ``path`` (query string ignored)."""
        with self._lock:
            return self._hits.get(path.split("?")[0], 0)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str) -> tuple[int, bytes, str, float]:
        """Count a hit and return what to send for ``path``."""
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._files.get(path, (404, b"not found", "text/plain", 0))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, data, content_type, delay = host._answer(self.path.split("?")[0])
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The portal may give up (timeout, size cap): expected in those tests.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def media_host() -> Iterator[MediaHost]:
    """Serve media files over HTTP on 127.0.0.1 for this test."""
    host = MediaHost()
    try:
        yield host
    finally:
        host.close()
