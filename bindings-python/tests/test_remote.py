"""Remote daemons (issue 14): TLS over tcp://, ssh://, docker contexts, and the docker CLI's
resolution behind `dimg.Client()` / `dimg.from_env()`, against the private engine's TLS
dockerd and sshd (scripts/engine.sh). Contexts are made by the real docker CLI in a temporary
DOCKER_CONFIG; ~/.docker, ~/.ssh and the machine's own daemon are never used.

Every failure must be the typed error with its specific reason, come within the timeout, and
leave no `ssh` process and no file descriptor behind (both counted through /proc)."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

import dimg
from conftest import PODMAN, force_remove

_T = TypeVar("_T")

if PODMAN:
    # The TLS dockerd and the sshd front Docker engines only, the same in both passes of
    # scripts/test.sh; the Docker pass covers them (and the ssh state checks need its socket).
    pytest.skip("remote transports are tested in the Docker pass", allow_module_level=True)

DOCKER_CLI = "/usr/local/bin/docker" if os.path.exists("/usr/local/bin/docker") else "docker"

# What the docker CLI reads; each test starts with none of them set.
DOCKER_VARIABLES = [
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "DOCKER_TLS_VERIFY",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
    "DOCKER_API_VERSION",
]

# A failing connection must give up within TIMEOUT (with some slack for a loaded machine).
TIMEOUT = 10.0
WITHIN = 15.0

# Seeded images no other suite pulls (t/p35..p37, t/p30), one per test that pulls and removes.
TLS_SYNC_IMAGE = "t/p35:1.0"
TLS_ASYNC_IMAGE = "t/p36:1.0"
SSH_SYNC_IMAGE = "t/p37:1.0"
SSH_ASYNC_IMAGE = "t/p30:1.0"


def remote_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: scripts/engine.sh up starts the TLS dockerd and the sshd and writes it")
    return value


@dataclass(frozen=True)
class Tls:
    host: str  # tcp://127.0.0.1:PORT, dockerd #2 with --tlsverify
    socket: str  # dockerd #2's own unix socket, to check state without TLS
    certs: Path  # ca.pem cert.pem key.pem, DOCKER_CERT_PATH layout
    wrong_ca: Path  # an unrelated ca.pem, with the client's cert.pem and key.pem

    @property
    def config(self) -> dimg.TLSConfig:
        return dimg.TLSConfig(
            ca_cert=self.certs / "ca.pem", client_cert=(self.certs / "cert.pem", self.certs / "key.pem")
        )

    def state(self) -> dimg.Client:
        """A client of the same daemon over its unix socket."""
        return dimg.Client(f"unix://{self.socket}", timeout=60)


@pytest.fixture()
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty DOCKER_CONFIG of the test's own, and no other DOCKER_* variable; the test
    engine's ssh wrapper first on PATH, with its good config."""
    for name in DOCKER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DIMG_TEST_SSH_CONFIG", raising=False)
    directory = tmp_path / "docker-config"
    directory.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    ssh_bin = os.environ.get("DIMG_TEST_SSH_BIN")
    if ssh_bin:
        monkeypatch.setenv("PATH", f"{ssh_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    return directory


@pytest.fixture()
def tls(config_dir: Path) -> Tls:
    return Tls(
        host=remote_env("DIMG_TEST_TLS_HOST"),
        socket=remote_env("DIMG_TEST_TLS_SOCKET"),
        certs=Path(remote_env("DIMG_TEST_TLS_CERTS")),
        wrong_ca=Path(remote_env("DIMG_TEST_TLS_WRONG_CA")),
    )


@pytest.fixture()
def ssh_host(config_dir: Path) -> str:
    remote_env("DIMG_TEST_SSH_BIN")  # without the wrapper, ssh would use ~/.ssh
    return remote_env("DIMG_TEST_SSH_HOST")


def docker(config: Path, *args: str) -> str:
    """The real docker CLI with `config` as its DOCKER_CONFIG (and no other DOCKER_* variable)."""
    env = {k: v for k, v in os.environ.items() if k not in DOCKER_VARIABLES}
    out = subprocess.run([DOCKER_CLI, *args], env={**env, "DOCKER_CONFIG": str(config)}, capture_output=True, text=True)
    assert out.returncode == 0, f"docker {args}: {out.stdout}{out.stderr}"
    return out.stdout


def create_tls_context(config: Path, tls: Tls, name: str = "tlsctx") -> str:
    c = tls.certs
    docker(config, "context", "create", name, "--docker", f"host={tls.host},ca={c}/ca.pem,cert={c}/cert.pem,key={c}/key.pem")
    return name


# --- processes and descriptors ------------------------------------------------------------


def ssh_children() -> list[int]:
    """Our child `ssh` processes (running `docker system dial-stdio`, or zombies, whose
    cmdline is empty), read from /proc."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        comm, _, rest = stat.partition("(")[2].rpartition(")")
        ppid = int(rest.split()[1])
        if ppid == me and (comm == "ssh" or b"dial-stdio" in cmdline):
            found.append(int(entry))
    return found


def no_ssh_left(whose: str = "") -> None:
    """Fails, describing them, if child ssh processes are still there after a few seconds."""
    left = settled(ssh_children, lambda pids: not pids)
    described = []
    for pid in left:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            described.append(f"{pid} state {stat[2]}: {cmdline}")
        except OSError:
            pass
    assert not left, f"ssh processes {whose}left behind: {described}"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settled(read: Callable[[], _T], done: Callable[[_T], bool], within: float = 5.0) -> _T:
    """`read()` once `done` says it is (what is released in the background, e.g. by the async
    runtime's connection tasks, takes a moment), else its last value."""
    deadline = time.monotonic() + within
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    return value


def no_fds_left(before: int) -> None:
    """Fails if more descriptors are open than `before` after a few seconds. (Fewer is fine:
    the garbage collector may close an earlier test's.)"""
    after = settled(open_fds, lambda n: n <= before)
    assert after <= before, f"{after - before} file descriptors left open: {os.listdir('/proc/self/fd')}"


def fds_now() -> int:
    """The descriptors open now, after collecting what earlier tests left for the collector."""
    gc.collect()
    return open_fds()


@pytest.fixture(autouse=True)
def warm_runtime() -> None:
    """Starts what dimg and asyncio allocate once per process (the Tokio runtime, its epoll and
    event fds), so that descriptor counts before and after a test compare only the test."""
    asyncio.run(asyncio.sleep(0))
    dimg.AsyncClient("unix:///nonexistent/dimg.sock")


def run(start: Callable[[], Awaitable[_T]]) -> _T:
    """Awaits `start()` on a new event loop (an AsyncClient call starts on the running loop)."""

    async def main() -> _T:
        return await start()

    return asyncio.run(main())


# --- TLS ------------------------------------------------------------------------------------


def test_tls_list_pull_remove(tls: Tls, registry: str) -> None:
    ref = f"{registry}/{TLS_SYNC_IMAGE}"
    state = tls.state()
    force_remove(state, ref)
    try:
        with dimg.Client(tls.host, tls=tls.config, timeout=60) as client:
            endpoint = client.endpoint
            assert (endpoint.kind, endpoint.address, endpoint.context) == ("tls", tls.host, "default")
            assert endpoint.tls == tls.config and endpoint.socket_path is None
            assert client.ping().api_version
            before = {i.id for i in client.images.list()}
            assert before == {i.id for i in state.images.list()}
            pulled = client.images.pull(ref)
            assert ref in pulled.tags and state.images.get(ref).id == pulled.id
            assert pulled.id in {i.id for i in client.images.list()}
            removed = client.images.remove(ref)
            assert removed[0].kind == "Untagged" and removed[0].value == ref
        with pytest.raises(dimg.ImageNotFound):
            state.images.get(ref)
    finally:
        force_remove(state, ref)


def test_tls_async_list_pull_remove(tls: Tls, registry: str) -> None:
    ref = f"{registry}/{TLS_ASYNC_IMAGE}"
    state = tls.state()
    force_remove(state, ref)

    async def main() -> None:
        async with dimg.AsyncClient(tls.host, tls=tls.config, timeout=60) as client:
            assert client.endpoint.kind == "tls"
            listed = await client.images.list()
            assert {i.id for i in listed} == {i.id for i in state.images.list()}
            pulled = await client.images.pull(ref)
            assert state.images.get(ref).id == pulled.id
            await client.images.remove(ref)

    try:
        asyncio.run(main())
        with pytest.raises(dimg.ImageNotFound):
            state.images.get(ref)
    finally:
        force_remove(state, ref)


def test_tls_from_the_environment(tls: Tls, monkeypatch: pytest.MonkeyPatch) -> None:
    # DOCKER_TLS_VERIFY (any value, even 0) with DOCKER_CERT_PATH, as the docker CLI reads them.
    monkeypatch.setenv("DOCKER_HOST", tls.host)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "0")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tls.certs))
    for client in (dimg.from_env(), dimg.Client(), dimg.AsyncClient.from_env()):
        assert client.endpoint.kind == "tls" and client.endpoint.tls == tls.config
    assert dimg.Client().ping()
    # Without DOCKER_TLS_VERIFY, DOCKER_CERT_PATH is ignored: plain HTTP to a TLS port.
    monkeypatch.delenv("DOCKER_TLS_VERIFY")
    assert dimg.from_env().endpoint.kind == "tcp"
    with pytest.raises(dimg.TLSError, match="expects TLS"):
        dimg.from_env(timeout=TIMEOUT).ping()
    # An explicit TLSConfig replaces the environment's TLS settings.
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tls.wrong_ca))
    assert dimg.from_env(tls=tls.config).ping()


def test_tls_true_reads_the_default_files(tls: Tls, config_dir: Path) -> None:
    # `tls=True` is `docker --tlsverify`: ca.pem, cert.pem, key.pem from DOCKER_CONFIG.
    for name in ("ca.pem", "cert.pem", "key.pem"):
        shutil.copy(tls.certs / name, config_dir / name)
    client = dimg.Client(tls.host, tls=True)
    assert client.endpoint.tls == dimg.TLSConfig(
        config_dir / "ca.pem", (config_dir / "cert.pem", config_dir / "key.pem")
    )
    assert client.ping()
    (config_dir / "ca.pem").unlink()
    with pytest.raises(dimg.TLSError, match="ca.pem"):
        dimg.Client(tls.host, tls=True)  # the files are read when the client is made


@dataclass(frozen=True)
class TlsFault:
    name: str
    reason: str  # in TLSError.reason

    def host_and_tls(self, tls: Tls) -> tuple[str, dimg.TLSConfig | bool]:
        certs = tls.config.client_cert
        match self.name:
            case "wrong CA":
                return tls.host, dimg.TLSConfig(ca_cert=tls.wrong_ca / "ca.pem", client_cert=certs)
            case "name mismatch":
                return tls.host.replace("127.0.0.1", "localhost"), tls.config
            case "no client certificate":
                return tls.host, dimg.TLSConfig(ca_cert=tls.certs / "ca.pem")
            case "plain HTTP to the TLS port":
                return tls.host, False
            case "TLS to the plain port":
                return remote_env("DIMG_TEST_TCP_HOST"), tls.config
        raise AssertionError(self.name)


TLS_FAULTS = [
    TlsFault("wrong CA", "signed by an unknown authority"),
    TlsFault("name mismatch", 'not valid for the name "localhost" (name mismatch)'),
    TlsFault("no client certificate", "requires a client certificate and none was given"),
    TlsFault("plain HTTP to the TLS port", "expects TLS on this port and was sent plain HTTP"),
    TlsFault("TLS to the plain port", "does not speak TLS on this port"),
]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["Client", "AsyncClient"])
@pytest.mark.parametrize("fault", TLS_FAULTS, ids=[f.name for f in TLS_FAULTS])
def test_tls_failures_say_which(tls: Tls, fault: TlsFault, asynchronous: bool) -> None:
    host, tls_argument = fault.host_and_tls(tls)
    fds = fds_now()
    started = time.monotonic()
    with pytest.raises(dimg.TLSError) as failed:
        if asynchronous:
            client = dimg.AsyncClient(host, timeout=TIMEOUT, tls=tls_argument)
            try:
                run(client.images.list)
            finally:
                run(client.close)
        else:
            with dimg.Client(host, timeout=TIMEOUT, tls=tls_argument) as sync_client:
                sync_client.images.list()
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN, f"{fault.name}: {elapsed:.1f} s"
    error = failed.value
    assert isinstance(error, dimg.ConnectError) and error.status_code is None
    assert fault.reason in error.reason and fault.reason in str(error)
    assert host in str(error)
    no_fds_left(fds)


# --- ssh ------------------------------------------------------------------------------------


def test_ssh_list_pull_remove(ssh_host: str, docker_host: str, registry: str) -> None:
    ref = f"{registry}/{SSH_SYNC_IMAGE}"
    state = dimg.Client(docker_host, timeout=60)  # the daemon the sshd's logins reach
    force_remove(state, ref)
    try:
        with dimg.Client(ssh_host, timeout=60) as client:
            endpoint = client.endpoint
            assert (endpoint.kind, endpoint.address, endpoint.context) == ("ssh", ssh_host, "default")
            assert endpoint.socket_path is None and endpoint.tls is None and client.socket_path is None
            assert repr(client) == f"<dimg.Client {ssh_host}>"
            assert {i.id for i in client.images.list()} == {i.id for i in state.images.list()}
            pulled = client.images.pull(ref)
            assert state.images.get(ref).id == pulled.id
            events = list(client.images.pull_stream(ref))  # again: up to date, streamed over ssh
            assert events and events[-1].status.startswith("Status: Image is up to date")
            client.images.remove(ref)
        with pytest.raises(dimg.ImageNotFound):
            state.images.get(ref)
    finally:
        force_remove(state, ref)
    no_ssh_left()


def test_ssh_async_list_pull_remove(ssh_host: str, docker_host: str, registry: str) -> None:
    ref = f"{registry}/{SSH_ASYNC_IMAGE}"
    state = dimg.Client(docker_host, timeout=60)
    force_remove(state, ref)

    async def main() -> None:
        async with dimg.AsyncClient(ssh_host, timeout=60) as client:
            assert client.endpoint.kind == "ssh"
            listed = await client.images.list()
            assert {i.id for i in listed} == {i.id for i in state.images.list()}
            pulled = await client.images.pull(ref)
            assert state.images.get(ref).id == pulled.id
            await client.images.remove(ref)

    try:
        asyncio.run(main())
        with pytest.raises(dimg.ImageNotFound):
            state.images.get(ref)
    finally:
        force_remove(state, ref)
    no_ssh_left()


@pytest.mark.parametrize("asynchronous", [False, True], ids=["Client", "AsyncClient"])
def test_a_warm_ssh_client_runs_one_ssh_process(ssh_host: str, asynchronous: bool) -> None:
    no_ssh_left("of an earlier test ")
    fds = fds_now()
    if asynchronous:

        async def main() -> list[int]:
            async with dimg.AsyncClient(ssh_host, timeout=TIMEOUT) as client:
                for i in range(20):
                    await (client.ping() if i % 2 else client.images.list())
                running = ssh_children()
            return running

        running = asyncio.run(main())
    else:
        with dimg.Client(ssh_host, timeout=TIMEOUT) as client:
            for i in range(20):
                client.ping() if i % 2 else client.images.list()
            running = ssh_children()
    assert len(running) == 1, f"ssh processes while the client was alive: {running}"
    # Closing the client kills and reaps it, and releases its descriptors.
    no_ssh_left()
    no_fds_left(fds)


@dataclass(frozen=True)
class SshFault:
    name: str
    exit_status: int
    stderr: str  # in SSHError.stderr
    host_variable: str  # the engine's host alias for this peer, when it has one
    config_variable: str | None  # else: the ssh config the wrapper is given for it

    def host(self, ssh_host: str, monkeypatch: pytest.MonkeyPatch) -> str:
        alias = os.environ.get(self.host_variable)
        if alias:
            return alias
        if self.config_variable is None:
            return remote_env(self.host_variable)
        monkeypatch.setenv("DIMG_TEST_SSH_CONFIG", remote_env(self.config_variable))
        return ssh_host


SSH_FAULTS = [
    SshFault(
        "unknown host key",
        255,
        "Host key verification failed.",
        "DIMG_TEST_SSH_HOST_UNKNOWN_KEY",
        "DIMG_TEST_SSH_CONFIG_UNKNOWN_HOST",
    ),
    SshFault(
        "unauthorized key",
        255,
        "Permission denied (publickey).",
        "DIMG_TEST_SSH_HOST_BAD_KEY",
        "DIMG_TEST_SSH_CONFIG_BAD_KEY",
    ),
    SshFault(
        "no docker on the remote host",
        127,
        "docker: command not found",
        "DIMG_TEST_SSH_HOST_NO_DOCKER",
        "DIMG_TEST_SSH_CONFIG_NO_DOCKER",
    ),
    SshFault("unreachable", 255, "Connection refused", "DIMG_TEST_SSH_UNREACHABLE", None),
]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["Client", "AsyncClient"])
@pytest.mark.parametrize("fault", SSH_FAULTS, ids=[f.name for f in SSH_FAULTS])
def test_ssh_failures_carry_exit_status_and_stderr(
    ssh_host: str, fault: SshFault, asynchronous: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = fault.host(ssh_host, monkeypatch)
    fds = fds_now()
    started = time.monotonic()
    with pytest.raises(dimg.SSHError) as failed:
        if asynchronous:
            client = dimg.AsyncClient(host, timeout=TIMEOUT)
            try:
                run(client.images.list)
            finally:
                run(client.close)
        else:
            with dimg.Client(host, timeout=TIMEOUT) as sync_client:
                sync_client.images.list()
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN, f"{fault.name}: {elapsed:.1f} s"
    error = failed.value
    assert isinstance(error, dimg.ConnectError) and error.status_code is None
    assert error.exit_status == fault.exit_status
    assert fault.stderr in error.stderr and fault.stderr in str(error)
    # The docker CLI's wording for a failed `ssh`.
    assert f"has exited with exit status {fault.exit_status}" in str(error)
    assert "docker system dial-stdio" in str(error)
    no_ssh_left()
    no_fds_left(fds)


# --- contexts and the resolution --------------------------------------------------------------


def test_a_context_selected_by_name(tls: Tls, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = create_tls_context(config_dir, tls)
    expected = {i.id for i in tls.state().images.list()}
    client = dimg.Client(context=name, timeout=TIMEOUT)
    endpoint = client.endpoint
    assert (endpoint.kind, endpoint.address, endpoint.context) == ("tls", tls.host, name)
    # The TLS material is the copy in the context store, not the files it was made from.
    store = endpoint.tls
    assert store is not None and store.verify and store.ca_cert is not None
    assert Path(store.ca_cert).is_relative_to(config_dir / "contexts" / "tls")
    assert repr(client) == f"<dimg.Client {tls.host} context={name}>"
    assert {i.id for i in client.images.list()} == expected
    assert {i.id for i in run(dimg.AsyncClient(context=name).images.list)} == expected
    # config_dir= instead of DOCKER_CONFIG (here pointing at an empty directory).
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(empty))
    with pytest.raises(dimg.InvalidArgument, match=f'context "{name}"'):
        dimg.Client(context=name)
    assert dimg.Client(context=name, config_dir=config_dir).ping()
    assert dimg.from_env(context=name, config_dir=str(config_dir)).endpoint.context == name
    # `context=` wins over DOCKER_HOST, as `docker --context` does; "default" is the built-in one.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert dimg.Client(context=name, config_dir=config_dir).endpoint.context == name
    default = dimg.Client(context="default", config_dir=config_dir).endpoint
    assert (default.context, default.address) == ("default", "unix:///nonexistent/docker.sock")


def test_docker_context_variable(tls: Tls, config_dir: Path, docker_host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name = create_tls_context(config_dir, tls)
    monkeypatch.setenv("DOCKER_CONTEXT", name)
    for client in (dimg.Client(), dimg.from_env(), dimg.AsyncClient(), dimg.AsyncClient.from_env()):
        assert (client.endpoint.kind, client.endpoint.context) == ("tls", name)
    assert dimg.Client(timeout=TIMEOUT).ping()
    # An explicit base_url is used as given, as in docker-py; DOCKER_HOST beats DOCKER_CONTEXT.
    assert dimg.Client(docker_host).endpoint.context == "default"
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    assert dimg.Client().endpoint.address == docker_host


def test_current_context_of_docker_context_use(
    tls: Tls, ssh_host: str, config_dir: Path, docker_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dimg.Client().endpoint.address == "unix:///var/run/docker.sock"  # nothing set: the default
    name = create_tls_context(config_dir, tls)
    docker(config_dir, "context", "create", "sshctx", "--docker", f"host={ssh_host}")
    docker(config_dir, "context", "use", name)
    written = files(config_dir)
    client = dimg.from_env(timeout=TIMEOUT)
    assert (client.endpoint.kind, client.endpoint.context) == ("tls", name)
    assert {i.id for i in client.images.list()} == {i.id for i in tls.state().images.list()}
    # An ssh:// context, selected by DOCKER_CONTEXT over the current one.
    monkeypatch.setenv("DOCKER_CONTEXT", "sshctx")
    with dimg.Client(timeout=TIMEOUT) as over_ssh:
        assert (over_ssh.endpoint.kind, over_ssh.endpoint.address) == ("ssh", ssh_host)
        assert over_ssh.ping()
    monkeypatch.delenv("DOCKER_CONTEXT")
    # DOCKER_HOST beats the current context.
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    assert dimg.Client().endpoint == dimg.Client(docker_host).endpoint
    # dimg only read the configuration directory.
    assert files(config_dir) == written
    no_ssh_left()


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_missing_context_is_named(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for make in (
        lambda: dimg.Client(context="nope"),
        lambda: dimg.AsyncClient.from_env(context="nope"),
    ):
        with pytest.raises(dimg.InvalidArgument, match='context "nope": context not found') as missing:
            make()
        assert missing.value.status_code is None
    monkeypatch.setenv("DOCKER_CONTEXT", "nope")
    with pytest.raises(dimg.InvalidArgument, match='context "nope"'):
        dimg.from_env()
    # The current context of config.json names one that is not there either.
    monkeypatch.delenv("DOCKER_CONTEXT")
    (config_dir / "config.json").write_text('{"currentContext": "gone"}')
    with pytest.raises(dimg.InvalidArgument, match='context "gone"'):
        dimg.Client()


def test_conflicting_arguments_are_refused(tls: Tls, config_dir: Path) -> None:
    name = create_tls_context(config_dir, tls)
    with pytest.raises(dimg.InvalidArgument, match="cannot specify both --host and --context"):
        dimg.Client(tls.host, context=name)
    with pytest.raises(dimg.InvalidArgument, match="cannot be combined with a context"):
        dimg.Client(context=name, tls=tls.config)
    with pytest.raises(dimg.InvalidArgument, match="need a tcp:// host"):
        dimg.AsyncClient("unix:///x.sock", tls=tls.config)
    with pytest.raises(TypeError, match="tls must be a dimg.TLSConfig or a bool, not str"):
        dimg.Client(tls.host, tls="yes")  # type: ignore[arg-type]


# --- the value types --------------------------------------------------------------------------


def test_tls_config_is_a_frozen_value(tmp_path: Path) -> None:
    default = dimg.TLSConfig()
    assert (default.ca_cert, default.client_cert, default.verify) == (None, None, True)
    tls = dimg.TLSConfig(tmp_path / "ca.pem", (str(tmp_path / "c.pem"), tmp_path / "k.pem"), verify=False)
    assert tls.ca_cert == str(tmp_path / "ca.pem")  # path-likes in, str out, as docker-py keeps them
    assert tls.client_cert == (str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
    assert tls.verify is False
    assert tls == dimg.TLSConfig(str(tmp_path / "ca.pem"), (tmp_path / "c.pem", tmp_path / "k.pem"), False)
    assert tls != default and len({tls, default, dimg.TLSConfig()}) == 2
    assert repr(default) == "TLSConfig(ca_cert=None, client_cert=None, verify=True)"
    with pytest.raises(AttributeError):
        tls.verify = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        dimg.TLSConfig(client_cert="cert.pem")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base_url", "kind", "address"),
    [
        ("unix:///run/x.sock", "unix", "unix:///run/x.sock"),
        ("tcp://127.0.0.1:2375", "tcp", "tcp://127.0.0.1:2375"),
        ("ssh://me@build-host", "ssh", "ssh://me@build-host"),
        ("ssh://me@build-host:2222", "ssh", "ssh://me@build-host:2222"),
    ],
)
def test_endpoint_of_an_address(base_url: str, kind: str, address: str, config_dir: Path) -> None:
    for cls in (dimg.Client, dimg.AsyncClient):
        endpoint = cls(base_url).endpoint  # nothing is sent yet
        assert (endpoint.kind, endpoint.address, endpoint.context) == (kind, address, "default")
        assert endpoint == cls(base_url).endpoint and hash(endpoint) == hash(cls(base_url).endpoint)
        assert repr(endpoint) == f"<Endpoint {kind} {address} context=default>"
    tls = dimg.Client("tcp://127.0.0.1:2376", tls=dimg.TLSConfig(verify=False)).endpoint
    assert (tls.kind, tls.tls) == ("tls", dimg.TLSConfig(verify=False))


@pytest.mark.parametrize("base_url", ["ssh://-oProxyCommand=x@host", "ssh://me@-host", "ssh://me@host name"])
def test_ssh_addresses_ssh_would_read_as_options_are_refused(base_url: str) -> None:
    with pytest.raises(dimg.InvalidArgument):
        dimg.Client(base_url)
    assert ssh_children() == []
