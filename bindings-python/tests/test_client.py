"""The client surface that follows the core's rules (host parsing, defaults), docker-py's habits
(from_env, NotFound, images.get, Image.attrs, repr), the exceptions new in core (CredentialsError),
and interruption: Ctrl-C and a progress callback's exception come out unchanged."""

from __future__ import annotations

import asyncio
import inspect
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import dimg
from conftest import PODMAN, PROGRESS_LINE, chunked

# The cases of core's own test of `Endpoint::parse` (core/src/transport/endpoint.rs): the
# binding has no rule of its own, so it must give the same answers.
HOST_FORMS = [
    ("unix:///run/x.sock", "unix:///run/x.sock", "/run/x.sock"),
    ("unix://", "unix:///var/run/docker.sock", "/var/run/docker.sock"),
    ("/run/x.sock", "unix:///run/x.sock", "/run/x.sock"),
    ("./x.sock", "unix://./x.sock", "./x.sock"),
    ("tcp://127.0.0.1:2375/", "tcp://127.0.0.1:2375", None),
    ("tcp://127.0.0.1", "tcp://127.0.0.1:2375", None),
    ("tcp://", "tcp://localhost:2375", None),
    ("tcp://:4000", "tcp://localhost:4000", None),
    ("tcp://[::1]", "tcp://[::1]:2375", None),
    ("127.0.0.1:2375", "tcp://127.0.0.1:2375", None),
    (" unix:///run/x.sock ", "unix:///run/x.sock", "/run/x.sock"),
]
REFUSED_HOSTS = ["", "  ", "npipe:////./pipe/x", "fd://", "tcp://h:99999", "tcp://h:0", "tcp://a b:1"]


@pytest.mark.parametrize(("base_url", "host", "socket_path"), HOST_FORMS)
def test_host_forms_follow_the_core(base_url: str, host: str, socket_path: str | None) -> None:
    for cls in (dimg.Client, dimg.AsyncClient):
        client = cls(base_url)  # nothing is sent yet
        assert client.host == host and client.socket_path == socket_path
        assert repr(client) == f"<dimg.{cls.__name__} {host}>"


@pytest.mark.parametrize("base_url", REFUSED_HOSTS)
def test_refused_hosts_name_the_input(base_url: str) -> None:
    with pytest.raises(dimg.InvalidArgument) as refused:
        dimg.Client(base_url)
    assert f'"{base_url}"' in str(refused.value)
    assert refused.value.status_code is None


def test_unsupported_schemes_are_refused_with_the_supported_forms() -> None:
    with pytest.raises(dimg.InvalidArgument, match=r"npipe:// scheme is not supported.*unix:///.*tcp://host:port.*ssh://"):
        dimg.AsyncClient("npipe:////./pipe/docker_engine")


def test_default_timeout_is_the_cores() -> None:
    assert dimg.DEFAULT_TIMEOUT == 120.0  # dimg::DEFAULT_TIMEOUT
    for cls in (dimg.Client, dimg.AsyncClient):
        assert inspect.signature(cls).parameters["timeout"].default == dimg.DEFAULT_TIMEOUT
        assert cls("unix:///x.sock").timeout == 120.0
        assert cls("unix:///x.sock", timeout=None).timeout is None
        assert cls("unix:///x.sock", timeout=0.25).timeout == 0.25
    assert inspect.signature(dimg.from_env).parameters["timeout"].default == dimg.DEFAULT_TIMEOUT
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(dimg.InvalidArgument, match="timeout must be a positive number"):
            dimg.Client("unix:///x.sock", timeout=bad)


def test_repr_shows_the_real_endpoint(docker_host: str, tcp_host: str) -> None:
    tcp = dimg.Client(tcp_host)
    assert repr(tcp) == f"<dimg.Client {tcp_host}>" and tcp.socket_path is None
    assert tcp.ping()  # the private Docker engine over tcp://
    assert repr(dimg.AsyncClient(tcp_host)) == f"<dimg.AsyncClient {tcp_host}>"
    unix = dimg.Client(docker_host)
    assert repr(unix) == f"<dimg.Client {docker_host}>"
    assert repr(dimg.Client(docker_host.removeprefix("unix://"))) == f"<dimg.Client {docker_host}>"


def test_tcp_async_client(tcp_host: str) -> None:
    async def main() -> None:
        async with dimg.AsyncClient(tcp_host) as client:
            assert await client.ping()
            assert isinstance(await client.images.list(), list)

    asyncio.run(main())


def test_close_releases_the_connection_and_refuses_later_calls(docker_host: str) -> None:
    with dimg.Client(docker_host) as client:
        images = client.images
        assert client.ping()
    # `with` closed it; what it resolved stays readable.
    assert client.host == docker_host and client.endpoint.kind == "unix"
    for call in (client.ping, images.list, lambda: images.pull_stream("tiny:1.0")):
        with pytest.raises(RuntimeError, match="this dimg client is closed"):
            call()
    client.close()  # twice is harmless

    async def main() -> None:
        async with dimg.AsyncClient(docker_host) as aclient:
            assert await aclient.ping()
        with pytest.raises(RuntimeError, match="closed"):
            await aclient.images.list()

    asyncio.run(main())


@pytest.fixture()
def clean_docker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No DOCKER_* variable, and an empty configuration directory (no current context)."""
    for name in ("DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    yield monkeypatch


def test_from_env_reads_docker_host_and_api_version(docker_host: str, clean_docker_env: pytest.MonkeyPatch) -> None:
    # Unset: the default socket (only built here, never called); Client() is from_env().
    assert dimg.from_env().host == "unix:///var/run/docker.sock"
    assert dimg.Client().endpoint == dimg.from_env().endpoint
    clean_docker_env.setenv("DOCKER_HOST", docker_host)
    client = dimg.from_env()
    assert type(client) is dimg.Client and client.host == docker_host
    assert client.timeout == dimg.DEFAULT_TIMEOUT
    assert client.ping() and client.api_version() == "1.41"
    clean_docker_env.setenv("DOCKER_API_VERSION", "1.40")
    assert dimg.from_env().api_version() == "1.40"  # pinned, as the docker CLI does
    assert dimg.from_env(version="1.39").api_version() == "1.39"  # the argument wins
    assert type(dimg.AsyncClient.from_env()) is dimg.AsyncClient
    clean_docker_env.setenv("DOCKER_API_VERSION", "one.two")
    with pytest.raises(dimg.InvalidArgument, match="DOCKER_API_VERSION"):
        dimg.from_env()
    clean_docker_env.delenv("DOCKER_API_VERSION")
    clean_docker_env.setenv("DOCKER_HOST", "ssh://me@host")
    assert dimg.Client.from_env(timeout=None).endpoint.kind == "ssh"  # built, not connected
    clean_docker_env.setenv("DOCKER_HOST", "npipe:////./pipe/docker_engine")
    with pytest.raises(dimg.InvalidArgument, match="npipe://"):
        dimg.Client.from_env(timeout=None)


def test_not_found_sits_between_api_error_and_image_not_found(client: dimg.Client) -> None:
    assert issubclass(dimg.ImageNotFound, dimg.NotFound) and issubclass(dimg.NotFound, dimg.APIError)
    assert dimg.NotFound.__module__ == "dimg" and not issubclass(dimg.Conflict, dimg.NotFound)
    with pytest.raises(dimg.NotFound) as missing:
        client.images.get("dimgpy/nosuch:1")
    assert type(missing.value) is dimg.ImageNotFound and missing.value.status_code == 404


def test_images_get_and_attrs(client: dimg.Client, registry: str) -> None:
    ref = f"{registry}/labelled:1.0"
    pulled = client.images.pull(ref)
    image = client.images.get(ref)
    assert image == pulled and image.tags == [ref]
    assert client.images.get(image.id) == image
    with pytest.raises(dimg.ImageNotFound):
        client.images.get(f"{registry}/labelled:nosuch")

    attrs = image.attrs  # `docker image inspect`, in the daemon's field names
    assert attrs["Id"] == image.id and attrs["RepoTags"] == [ref] and attrs["RepoDigests"] == image.digests
    assert attrs["Os"] == "linux" and attrs["Size"] == image.size and isinstance(attrs["Created"], str)
    assert attrs["Config"]["Labels"] == {"org.example.team": "core", "org.example.tier": "test"}
    assert attrs["RootFS"]["Type"] == "layers" and attrs["RootFS"]["Layers"]
    assert pulled.attrs == attrs
    attrs["Id"] = "changed"
    assert image.attrs["Id"] == image.id  # a copy each time
    assert image.shared_size is None and image.containers is None  # inspect counts neither

    listed = next(i for i in client.images.list(name=ref))
    assert listed.attrs["Id"] == image.id and listed.attrs["RepoTags"] == [ref]
    assert listed.attrs["Created"] == listed.created and listed.attrs["Labels"] == image.labels
    assert "ParentId" in listed.attrs
    if not PODMAN:  # Docker 20.10 counts neither for a plain list: -1 in attrs, None on Image
        assert listed.shared_size is None and listed.containers is None
        assert listed.attrs["SharedSize"] == -1 and listed.attrs["Containers"] == -1


def test_a_broken_docker_config_is_a_credentials_error(
    client: dimg.Client, registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.json").write_text("{broken")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with pytest.raises(dimg.CredentialsError, match="cannot parse .*config.json") as broken:
        client.images.pull(f"{registry}/tiny:1.0")
    assert isinstance(broken.value, dimg.DockerError) and not isinstance(broken.value, dimg.APIError)
    assert broken.value.status_code is None
    # Explicit credentials do not read the file.
    assert client.images.pull(f"{registry}/tiny:1.0", auth_config={"username": "u", "password": "p"})


class Stop(Exception):
    """Raised by the tests' signal handlers and callbacks, to be seen again unchanged."""


@pytest.fixture()
def alarm() -> Iterator[Stop]:
    """SIGALRM after 0.3 s, whose handler raises one `Stop`: what Ctrl-C does with SIGINT."""
    raised = Stop("alarm")

    def handler(signum: int, frame: object) -> None:
        raise raised

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        yield raised
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_signal_handlers_exception_stops_a_waiting_call_unchanged(fake_daemon, alarm: Stop) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: time.sleep(5))
    started = time.monotonic()
    with pytest.raises(Stop) as stopped:
        dimg.Client(daemon.url).images.list()
    assert stopped.value is alarm and time.monotonic() - started < 2


def test_a_signal_handlers_exception_stops_a_pull_stream_unchanged(fake_daemon, alarm: Stop) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: chunked(conn, [PROGRESS_LINE] * 100, pause=0.05))
    events = 0
    with pytest.raises(Stop) as stopped:
        for _ in dimg.Client(daemon.url).images.pull_stream("tiny:1.0"):
            events += 1
    assert stopped.value is alarm and 0 < events < 100


def test_a_progress_callbacks_exception_propagates_unchanged(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: chunked(conn, [PROGRESS_LINE] * 40, pause=0.02))
    raised = Stop("from the callback")

    def callback(event: dimg.PullProgress) -> None:
        raise raised

    with pytest.raises(Stop) as sync_stop:
        dimg.Client(daemon.url).images.pull("tiny:1.0", progress=callback)
    assert sync_stop.value is raised

    async def main() -> None:
        with pytest.raises(Stop) as async_stop:
            await dimg.AsyncClient(daemon.url).images.pull("tiny:1.0", progress=callback)
        assert async_stop.value is raised

    asyncio.run(main())


def test_a_blocking_call_from_an_async_callback_is_refused(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: chunked(conn, [PROGRESS_LINE] * 3))
    blocking = dimg.Client(daemon.url)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="event loop thread"):
            await dimg.AsyncClient(daemon.url).images.pull("tiny:1.0", progress=lambda event: blocking.ping())

    asyncio.run(main())


def test_public_methods_are_documented_once() -> None:
    for sync, coroutine in ((dimg.Client, dimg.AsyncClient), (dimg.ImageCollection, dimg.AsyncImageCollection)):
        for name, method in vars(sync).items():
            if name.startswith("_") or not callable(method):
                continue
            assert method.__doc__, f"{sync.__name__}.{name}"
            assert getattr(coroutine, name).__doc__ == method.__doc__, f"{coroutine.__name__}.{name}"
