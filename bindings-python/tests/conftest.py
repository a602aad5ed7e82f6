"""Fixtures: the private engine from scripts/engine.sh (with its seed list and its fault proxy in
front of the test registry), and a scripted fake daemon for what a real one cannot do on demand
(mid-stream errors, garbage, slow replies)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import dimg


PODMAN = os.environ.get("DIMG_TEST_ENGINE") == "podman"
"""Whether this run is the suite's second pass, against the private Podman service
(`DIMG_TEST_ENGINE=podman` with `DIMG_TEST_DOCKER_HOST` set to its socket, see scripts/test.sh).
dimg's types and exceptions are the same on both; the daemons' wording and a few answers are not."""


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run scripts/test.sh (it starts the private engine)")
    return value


@pytest.fixture(scope="session")
def docker_host() -> str:
    return _env("DIMG_TEST_DOCKER_HOST")


@pytest.fixture(scope="session")
def tcp_host() -> str:
    """A tcp:// endpoint of the private Docker engine."""
    return _env("DIMG_TEST_TCP_HOST")


@pytest.fixture(scope="session")
def registry() -> str:
    return _env("DIMG_TEST_REGISTRY")


@pytest.fixture(scope="session")
def index() -> str:
    return _env("DIMG_TEST_INDEX")


@pytest.fixture(scope="session")
def mirror() -> str:
    return _env("DIMG_TEST_MIRROR")


@pytest.fixture()
def client(docker_host: str) -> Iterator[dimg.Client]:
    with dimg.Client(docker_host, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def seed() -> list[dict[str, Any]]:
    """What scripts/seed_registry.py pushed to the test registry: names, tags, digests, layers."""
    with open(_env("DIMG_TEST_SEED")) as f:
        images: list[dict[str, Any]] = json.load(f)
    return images


class FaultProxy:
    """The engine's fault proxy (scripts/fault_proxy.py) in front of the test registry: pulls of
    `{address}/NAME` reach the registry through it. Tests add rules scoped to their own
    repository and remove only those (other suites use it at the same time)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def _control(self, method: str, path: str, body: object = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://{self.address}{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)

    @contextlib.contextmanager
    def rules(self, scope: str, *rules: dict[str, Any]) -> Iterator[None]:
        """`rules` (each with a path containing `scope`, e.g. "/many-py/m3/") while the block runs."""
        assert all(scope in rule["path"] for rule in rules), rules
        self._control("POST", "/__faults", list(rules))
        try:
            yield
        finally:
            self._control("DELETE", "/__faults", {"path": scope})

    def requests(self, scope: str) -> list[tuple[str, str, str]]:
        """(method, path, answer) of the requests the proxy saw under `scope`, oldest first."""
        seen = self._control("GET", "/__faults/requests")
        return [(r["method"], r["path"], r["answer"]) for r in seen if scope in r["path"]]


@pytest.fixture(scope="session")
def fault_proxy() -> FaultProxy:
    return FaultProxy(_env("DIMG_TEST_FAULT_PROXY"))


def cli(docker_host: str, *args: str) -> str:
    """The docker CLI against the private engine, for setup dimg does not offer. On Podman,
    `commit` goes through podman's remote client (the docker CLI's commit sends no body, which
    Podman refuses), naming the image as Docker would (`docker.io/...`, not `localhost/...`);
    `import` prints `sha256:ID: sha256:ID` there, of which the id is returned."""
    if PODMAN and args[0] == "commit":
        _, container, name = args
        command = ["podman", "--remote", "--url", docker_host, "commit", "-q", container, f"docker.io/{name}"]
        out = subprocess.run(command, capture_output=True, text=True)
        assert out.returncode == 0, f"{command}: {out.stdout}{out.stderr}"
        return "sha256:" + out.stdout.strip()
    out = subprocess.run(
        ["docker", *args], env={**os.environ, "DOCKER_HOST": docker_host}, capture_output=True, text=True
    )
    assert out.returncode == 0, f"docker {args}: {out.stdout}{out.stderr}"
    if args[0] == "import":
        return out.stdout.split()[-1]
    return out.stdout.strip()


def force_remove(client: dimg.Client, name: str) -> None:
    try:
        client.images.remove(name, force=True)
    except dimg.ImageNotFound:
        pass


Reply = Callable[[str, socket.socket], None]


class FakeDaemon:
    """A Unix-socket HTTP server: answers /_ping itself and every other request with
    `handler(request_line, connection)`, which writes whatever it likes."""

    def __init__(self, handler: Reply) -> None:
        self.dir = tempfile.mkdtemp(prefix="dimg-py-fake-")
        self.path = os.path.join(self.dir, "d.sock")
        self.requests: list[str] = []
        self.handler = handler
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                line = head.split(b"\r\n", 1)[0].decode()
                self.requests.append(line)
                if " /_ping " in line:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")
                else:
                    self.handler(line, conn)
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.server.close()


def chunked(conn: socket.socket, lines: list[bytes], pause: float = 0.0, end: bool = True) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    for line in lines:
        conn.sendall(b"%x\r\n%s\r\n" % (len(line), line))
        if pause:
            time.sleep(pause)
    if end:
        conn.sendall(b"0\r\n\r\n")


def json_reply(conn: socket.socket, status: int, body: bytes) -> None:
    conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body))


@pytest.fixture()
def fake_daemon() -> Iterator[Callable[[Reply], FakeDaemon]]:
    started: list[FakeDaemon] = []

    def start(handler: Reply) -> FakeDaemon:
        daemon = FakeDaemon(handler)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.close()


PROGRESS_LINE = b'{"status":"Downloading","progressDetail":{"current":1,"total":100},"id":"d8a34c5205df"}\r\n'
