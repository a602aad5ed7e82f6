"""`dimg.Timeouts` and `dimg.RetryPolicy`: the values, a client's limits (`timeouts=`,
`with_timeouts`), each call's own (`timeouts=`, `retry=`), and retries and limits against the
private engine through the fault proxy (a 503, a rate limit, a stalled manifest) with this
suite's images many-py/m3..m6 (one each) and m8."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable, Iterator

import pytest

import dimg
from conftest import PODMAN, PROGRESS_LINE, FakeDaemon, FaultProxy, Reply, chunked, force_remove


def test_timeouts_is_a_small_frozen_value() -> None:
    default = dimg.Timeouts()
    assert (default.connect, default.total, default.idle) == (5.0, 120.0, 120.0)
    assert repr(default) == "Timeouts(connect=5.0, total=120.0, idle=120.0)"
    assert dimg.Timeouts(5, 120, 120) == default and hash(dimg.Timeouts(5, 120, 120)) == hash(default)
    # Left out: the default; None: no limit.
    custom = dimg.Timeouts(idle=None, total=0.5)
    assert repr(custom) == "Timeouts(connect=5.0, total=0.5, idle=None)"
    assert custom != default and custom != "Timeouts(connect=5.0, total=0.5, idle=None)"
    assert len({default, custom, dimg.Timeouts()}) == 2
    with pytest.raises(AttributeError):
        custom.total = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"idle": -1}, "idle must be a positive number of seconds or None, not -1"),
        ({"total": math.nan}, "total must be a positive number of seconds or None, not NaN"),
        ({"total": math.inf}, "total must be a positive number"),
        ({"connect": 0}, "connect must be a positive number"),
        ({"connect": "5"}, "connect must be a number of seconds or None, not str"),
        ({"idle": True}, "idle must be a number of seconds or None, not bool"),
    ],
)
def test_bad_limits_are_invalid_arguments(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(dimg.InvalidArgument, match=message):
        dimg.Timeouts(**arguments)  # type: ignore[arg-type]
    client = dimg.Client("unix:///nonexistent/docker.sock")
    with pytest.raises(dimg.InvalidArgument, match=message):
        client.with_timeouts(**arguments)  # type: ignore[arg-type]


def test_retry_policy_is_a_small_frozen_value() -> None:
    policy = dimg.RetryPolicy(3)
    assert repr(policy) == (
        "RetryPolicy(attempts=3, initial_backoff=0.5, multiplier=2.0, max_backoff=30.0, max_elapsed=None, jitter=0.2)"
    )
    custom = dimg.RetryPolicy(4, initial_backoff=0, multiplier=3, max_backoff=2.5, max_elapsed=60, jitter=0)
    assert (custom.attempts, custom.initial_backoff, custom.multiplier) == (4, 0.0, 3.0)
    assert (custom.max_backoff, custom.max_elapsed, custom.jitter) == (2.5, 60.0, 0.0)
    assert dimg.RetryPolicy(3, 0.5, 2, 30, None, 0.2) == policy and policy != custom
    assert hash(dimg.RetryPolicy(3)) == hash(policy)
    with pytest.raises(AttributeError):
        policy.attempts = 5  # type: ignore[misc]
    bad: list[tuple[dict[str, object], str]] = [
        ({"attempts": 0}, "attempts must be at least 1, not 0"),
        ({"attempts": 2.0}, "attempts must be an int, not float"),
        ({"attempts": 2, "initial_backoff": -0.1}, "initial_backoff must be a non-negative number"),
        ({"attempts": 2, "initial_backoff": None}, "initial_backoff must be a non-negative number of seconds, not None"),
        ({"attempts": 2, "max_backoff": math.nan}, "max_backoff must be a non-negative number"),
        ({"attempts": 2, "max_elapsed": 0}, "max_elapsed must be a positive number"),
        ({"attempts": 2, "multiplier": 0.5}, "multiplier must be at least 1, not 0.5"),
        ({"attempts": 2, "jitter": 1.5}, "jitter must be from 0 to 1, not 1.5"),
        ({"attempts": 2, "jitter": "x"}, "jitter must be a number, not str"),
    ]
    for arguments, message in bad:
        with pytest.raises(dimg.InvalidArgument, match=message):
            dimg.RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_a_client_takes_timeouts_or_timeout_not_both() -> None:
    for cls in (dimg.Client, dimg.AsyncClient):
        assert cls("unix:///x.sock").timeouts == dimg.Timeouts()
        assert cls("unix:///x.sock", timeout=300).timeouts == dimg.Timeouts(total=300, idle=300)
        assert cls("unix:///x.sock", timeout=None).timeouts == dimg.Timeouts(total=None, idle=None)
        limits = dimg.Timeouts(connect=1, total=30, idle=None)
        client = cls("unix:///x.sock", timeouts=limits, retry=dimg.RetryPolicy(2))
        assert client.timeouts == limits and client.timeout == 30.0 and client.retry == dimg.RetryPolicy(2)
        assert cls.from_env(timeouts=limits).timeouts == limits
        assert cls("unix:///x.sock").retry is None
        for timeout in (120.0, dimg.DEFAULT_TIMEOUT, None):
            with pytest.raises(dimg.InvalidArgument, match="not both"):
                cls("unix:///x.sock", timeout=timeout, timeouts=limits)
    assert dimg.from_env(timeouts=dimg.Timeouts(connect=2)).timeouts.connect == 2.0
    with pytest.raises(TypeError):
        dimg.Client("unix:///x.sock", timeouts=30)  # type: ignore[arg-type]


def test_with_timeouts_changes_only_the_limits_given() -> None:
    client = dimg.Client("unix:///x.sock", timeouts=dimg.Timeouts(connect=2, total=60, idle=600))
    quick = client.with_timeouts(total=3)
    assert type(quick) is dimg.Client and quick.host == client.host
    assert quick.timeouts == dimg.Timeouts(connect=2, total=3, idle=600)
    assert client.timeouts == dimg.Timeouts(connect=2, total=60, idle=600)
    assert quick.with_timeouts(idle=None, connect=1).timeouts == dimg.Timeouts(connect=1, total=3, idle=None)
    aquick = dimg.AsyncClient("unix:///x.sock", retry=dimg.RetryPolicy(2)).with_timeouts(connect=None)
    assert type(aquick) is dimg.AsyncClient and aquick.timeouts.connect is None
    assert aquick.retry == dimg.RetryPolicy(2)


def sockets() -> int:
    """How many sockets this process has open."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def test_with_timeouts_and_per_call_timeouts_use_the_same_connections(docker_host: str) -> None:
    client = dimg.Client(docker_host)
    client.images.list()
    before = sockets()
    quick = client.with_timeouts(total=30)
    quick.images.list()
    client.images.list(timeouts=dimg.Timeouts(total=30), filters={"dangling": True})
    assert sockets() == before, "a new connection was opened"
    # One pool: closing either client closes both.
    quick.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.ping()
    assert sockets() < before


def test_every_image_method_takes_its_own_timeouts(client: dimg.Client, registry: str, index: str) -> None:
    """Each image method with `timeouts=` (and those that retry, `retry=`) against the engine."""
    limits = dimg.Timeouts(connect=5, total=60, idle=60)
    retry = dimg.RetryPolicy(2, initial_backoff=0.05)
    reference = f"{registry}/many-py/m8:1.0"
    target = f"dimgpylimits/m8:{os.getpid()}"
    force_remove(client, reference)
    try:
        assert list(client.images.pull_stream(reference, timeouts=limits, retry=retry))
        image = client.images.pull(reference, timeouts=limits, retry=retry)
        assert client.images.get(reference, timeouts=limits, retry=retry) == image
        assert image in client.images.list(name=f"{registry}/many-py/m8", timeouts=limits)
        assert client.images.pull_many([reference], timeouts=limits, retry=retry) == [image]
        assert client.images.tag(reference, target, timeouts=limits)
        assert client.images.remove(target, timeouts=limits)[0].value == target
        # Podman searches a registry itself; Docker asks the test index.
        term = f"{registry}/tiny" if PODMAN else f"{index}/tomcat"
        hits = client.images.search(term, limit=2, timeouts=limits, retry=retry)
        assert hits and all(isinstance(hit, dimg.SearchResult) for hit in hits)
        report = client.images.prune(filters={"label": f"dimg-limits-py={os.getpid()}"}, timeouts=limits)
        assert report["ImagesDeleted"] == []
        assert client.images.remove_many([reference], force=True, timeouts=limits).exit_code == 0
        with pytest.raises(TypeError):
            client.images.list(timeouts=60)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.images.get(reference, retry=3)  # type: ignore[arg-type]
    finally:
        force_remove(client, target)
        force_remove(client, reference)


@pytest.fixture()
def through_proxy(client: dimg.Client, fault_proxy: FaultProxy) -> Iterator[str]:
    """The fault proxy's address; the set's images under its name are removed before and after."""
    names = [f"{fault_proxy.address}/many-py/m{i}:1.0" for i in (3, 4, 5, 6)]
    for name in names:
        force_remove(client, name)
    yield fault_proxy.address
    for name in names:
        force_remove(client, name)


STALL = 4.0
"""How long the proxy holds a stalled manifest request (then forwards it): past the 1 s limits
below. The manifest, not a blob: a pull cancelled while a blob stalls leaves the daemon holding
the layers it has (for longer than the stall), and later tests count downloaded layers."""

# The limit a stalled manifest runs into: Docker has not started its answer's stream yet (the
# total limit bounds what a pull asks before it), Podman has (the idle limit between messages).
STALLED_BY = "idle" if PODMAN else "total"


# How many manifest requests one pull attempt makes before it gives up: Docker asks with HEAD,
# then falls back to GET; Podman asks with GET once.
MANIFEST_REQUESTS = 1 if PODMAN else 2


def test_a_503_is_retried_and_the_retry_is_a_pull_event(
    client: dimg.Client, fault_proxy: FaultProxy, through_proxy: str
) -> None:
    reference = f"{through_proxy}/many-py/m3:1.0"
    scope = "/many-py/m3/"
    failing = {"path": f"{scope}manifests", "action": "503", "times": MANIFEST_REQUESTS}
    events: list[dimg.PullProgress] = []
    before = len(fault_proxy.requests(scope))
    with fault_proxy.rules(scope, failing):
        image = client.images.pull(reference, progress=events.append, retry=dimg.RetryPolicy(3, initial_backoff=0.05))
    assert image.tags == [reference]
    retries = [e for e in events if e.phase == "retry"]
    assert len(retries) == 1 and events[0] is retries[0], [e.status for e in events]
    assert retries[0].id is None
    assert retries[0].status.startswith("Attempt 2 of 3 in ") and "503" in retries[0].status, retries[0].status
    assert client.retry is None, "the client's own policy did not change"
    answers = [answer for _, path, answer in fault_proxy.requests(scope)[before:] if "/manifests/" in path]
    assert answers[:MANIFEST_REQUESTS] == ["503"] * MANIFEST_REQUESTS and "forward" in answers


def test_a_pull_that_keeps_failing_says_its_attempts(
    client: dimg.Client, fault_proxy: FaultProxy, through_proxy: str
) -> None:
    reference = f"{through_proxy}/many-py/m4:1.0"
    scope = "/many-py/m4/"
    stream_retries: list[str] = []
    with fault_proxy.rules(scope, {"path": f"{scope}manifests", "action": "503", "times": 50}):
        with pytest.raises(dimg.DockerError) as failed:
            client.images.pull(reference, retry=dimg.RetryPolicy(2, initial_backoff=0.05))
        retrying = dimg.Client(client.host, retry=dimg.RetryPolicy(2, initial_backoff=0.05))
        stream = retrying.images.pull_stream(reference)
        with pytest.raises(dimg.DockerError) as streamed:
            for event in stream:
                stream_retries.append(event.phase)
    for error in (failed.value, streamed.value):
        # The class is the last attempt's (Docker: the daemon's 500; Podman: in the stream).
        assert type(error) is (dimg.PullError if PODMAN else dimg.APIError), repr(error)
        assert error.attempts == 2
        assert str(error).startswith("gave up after 2 attempts: ") and "503" in str(error)
    assert stream_retries == ["retry"]


@pytest.mark.skipif(PODMAN, reason="Podman retries a registry's 429 itself, for minutes")
def test_a_rate_limit_is_not_retried(client: dimg.Client, fault_proxy: FaultProxy, through_proxy: str) -> None:
    reference = f"{through_proxy}/many-py/m5:1.0"
    scope = "/many-py/m5/"
    events: list[dimg.PullProgress] = []
    before = len(fault_proxy.requests(scope))
    with fault_proxy.rules(scope, {"path": f"{scope}manifests", "action": "429", "times": 20}):
        with pytest.raises(dimg.RateLimited, match="pull rate limit") as limited:
            client.images.pull(reference, progress=events.append, retry=dimg.RetryPolicy(3, initial_backoff=0.05))
    assert limited.value.attempts == 1 and not str(limited.value).startswith("gave up")
    assert not any(e.phase == "retry" for e in events)
    # One attempt's requests: the daemon's HEAD of the manifest and its GET fallback.
    seen = fault_proxy.requests(scope)[before:]
    manifests = [(method, answer) for method, path, answer in seen if "/manifests/" in path]
    assert manifests == [("HEAD", "429"), ("GET", "429")]


def test_a_calls_own_limit_ends_a_stalled_pull(client: dimg.Client, fault_proxy: FaultProxy, through_proxy: str) -> None:
    reference = f"{through_proxy}/many-py/m6:1.0"
    scope = "/many-py/m6/"
    assert client.timeouts == dimg.Timeouts()
    rule = {"path": f"{scope}manifests", "action": "stall", "seconds": STALL, "times": 1}
    with fault_proxy.rules(scope, rule):
        started = time.monotonic()
        with pytest.raises(dimg.DockerTimeoutError, match="within 1s") as timed_out:
            client.images.pull(reference, timeouts=dimg.Timeouts(**{STALLED_BY: 1}))
        took = time.monotonic() - started
    assert took < 3, took
    assert timed_out.value.attempts == 1
    # The client's own limits are unchanged, and its next pull (no stall now) goes through.
    assert client.timeouts == dimg.Timeouts()
    assert client.images.pull(reference).tags == [reference]


def test_the_async_client_takes_a_calls_own_limits(
    docker_host: str, fault_proxy: FaultProxy, through_proxy: str
) -> None:
    reference = f"{through_proxy}/many-py/m6:1.0"
    scope = "/many-py/m6/"

    async def main() -> float:
        async with dimg.AsyncClient(docker_host, retry=dimg.RetryPolicy(1)) as client:
            started = time.monotonic()
            with pytest.raises(dimg.DockerTimeoutError):
                await client.images.pull(reference, timeouts=dimg.Timeouts(**{STALLED_BY: 1}))
            return time.monotonic() - started

    rule = {"path": f"{scope}manifests", "action": "stall", "seconds": STALL, "times": 1}
    with fault_proxy.rules(scope, rule):
        took = asyncio.run(main())
    assert took < 3, took


def test_a_calls_idle_limit_bounds_the_silence_in_a_stream_and_total_does_not(
    fake_daemon: Callable[[Reply], FakeDaemon],
) -> None:
    """A pull whose daemon says something every 0.6 s: a per-call idle limit of 0.3 s ends it,
    a per-call total of 0.3 s does not (the stream is bounded by silence, not length). A daemon
    cannot pause between messages on demand, so this one is scripted."""
    lines = [b'{"status":"Pulling from tiny","id":"1.0"}\r\n', PROGRESS_LINE, PROGRESS_LINE, b'{"status":"Status: Downloaded newer image for tiny:1.0"}\r\n']
    daemon = fake_daemon(lambda line, conn: chunked(conn, lines, pause=0.6))
    client = dimg.Client(daemon.url)
    started = time.monotonic()
    with pytest.raises(dimg.DockerTimeoutError):
        list(client.images.pull_stream("tiny:1.0", timeouts=dimg.Timeouts(idle=0.3)))
    assert time.monotonic() - started < 1.2
    stream = client.images.pull_stream("tiny:1.0", timeouts=dimg.Timeouts(total=0.3, idle=5))
    assert len(list(stream)) == 4 and stream.summary.outcome == "downloaded"
