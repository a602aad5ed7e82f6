"""The binding's own behaviour: GIL released during I/O, Ctrl-C, callbacks, fork, asyncio,
threads, and the fake-daemon error cases."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import dimg
from conftest import PODMAN, PROGRESS_LINE, FakeDaemon, chunked, force_remove, json_reply


def slow_pull(line: str, conn) -> None:  # type: ignore[no-untyped-def]
    chunked(conn, [PROGRESS_LINE] * 40, pause=0.05)


def test_the_gil_is_released_during_a_slow_pull(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(slow_pull)
    client = dimg.Client(daemon.url)
    ticks = 0
    done = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        stream = client.images.pull_stream("tiny:1.0")
        assert sum(1 for _ in stream) == 40  # ~2 s of pull
    finally:
        done.set()
        thread.join()
    assert ticks > 200, f"the other thread only ran {ticks} times"


def test_an_exception_in_the_progress_callback_stops_the_pull_unchanged(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(slow_pull)
    client = dimg.Client(daemon.url)

    class Stop(Exception):
        pass

    seen: list[dimg.PullProgress] = []

    def callback(event: dimg.PullProgress) -> None:
        seen.append(event)
        if len(seen) == 3:
            raise Stop("enough")

    started = time.monotonic()
    with pytest.raises(Stop, match="enough"):
        client.images.pull("tiny:1.0", progress=callback)
    assert len(seen) == 3 and time.monotonic() - started < 1.5


def test_calling_dimg_from_its_own_callback_is_refused(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(slow_pull)
    client = dimg.Client(daemon.url)
    # Refused by the core (Error::Reentrant), in its words, as the same RuntimeError as before.
    with pytest.raises(RuntimeError, match="from inside another one on the same thread"):
        client.images.pull("tiny:1.0", progress=lambda event: client.ping())
    with pytest.raises(RuntimeError, match="from inside another one on the same thread"):
        client.images.pull("tiny:1.0", progress=lambda event: list(client.images.pull_stream("tiny:1.0")))


def test_ctrl_c_interrupts_a_pull(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: chunked(conn, [PROGRESS_LINE] * 600, pause=0.05))
    script = textwrap.dedent(
        f"""
        import sys, time, dimg
        client = dimg.Client({daemon.url!r})
        print("ready", flush=True)
        started = time.monotonic()
        try:
            client.images.pull("tiny:1.0")
        except KeyboardInterrupt:
            print("interrupted after %.1f s" % (time.monotonic() - started), flush=True)
            sys.exit(3)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=10)
    assert child.returncode == 3, out
    assert "interrupted" in out


def test_a_forked_child_gets_a_clear_error(client: dimg.Client) -> None:
    assert client.ping()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            client.ping()
        except RuntimeError as e:
            code = 7 if "fork" in str(e) else 2
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 7
    assert client.ping()


def test_many_threads_share_one_client(client: dimg.Client, registry: str) -> None:
    client.images.pull(f"{registry}/t/p17:1.0")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                assert client.ping()
                assert client.images.list()
                assert client.images.get(f"{registry}/t/p17:1.0")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_pull_error_inside_a_200_stream(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(
        lambda line, conn: chunked(
            conn, [PROGRESS_LINE, b'{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\r\n']
        )
    )
    with pytest.raises(dimg.PullError, match="unexpected EOF") as err:
        dimg.Client(daemon.url).images.pull("tiny:1.0")
    assert err.value.status_code is None


def test_garbage_is_a_protocol_error(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: json_reply(conn, 200, b'[{"Id": tru'))
    with pytest.raises(dimg.ProtocolError):
        dimg.Client(daemon.url).images.list()


def test_a_slow_daemon_is_a_timeout(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(lambda line, conn: time.sleep(5))
    started = time.monotonic()
    with pytest.raises(dimg.DockerTimeoutError):
        dimg.Client(daemon.url, timeout=0.3).images.list()
    assert time.monotonic() - started < 3


def test_every_exception_class_is_a_docker_error() -> None:
    for cls in (
        dimg.ConnectError,
        dimg.DockerTimeoutError,
        dimg.InvalidReference,
        dimg.InvalidArgument,
        dimg.UnsupportedOption,
        dimg.APIError,
        dimg.ImageNotFound,
        dimg.Conflict,
        dimg.PullError,
        dimg.RateLimited,
        dimg.ProtocolError,
    ):
        assert issubclass(cls, dimg.DockerError), cls
    assert issubclass(dimg.ImageNotFound, dimg.APIError) and issubclass(dimg.Conflict, dimg.APIError)
    assert issubclass(dimg.RateLimited, dimg.APIError)
    assert dimg.APIError.__module__ == "dimg"


def test_asyncio_client(docker_host: str, registry: str, index: str) -> None:
    async def main() -> None:
        async with dimg.AsyncClient(docker_host) as client:
            assert await client.ping()
            ref = f"{registry}/t/p18:1.0"
            try:
                await client.images.remove(ref, force=True)
            except dimg.ImageNotFound:
                pass
            events: list[dimg.PullProgress] = []
            image = await client.images.pull(ref, progress=events.append)
            assert image.tags == [ref] and events
            listed, found, hits = await asyncio.gather(
                client.images.list(name=ref), client.images.get(ref), client.images.search(f"{index}/tomcat", limit=2)
            )
            assert listed == [image] and found == image and len(hits) == 2
            stream = client.images.pull_stream(ref)
            phases = [event.phase async for event in stream]
            assert phases[-1] == ("download_complete" if PODMAN else "status")
            assert stream.summary.outcome == "up_to_date"
            removed = await client.images.remove(ref)
            assert removed[0].kind == "Untagged"
            with pytest.raises(dimg.ImageNotFound):
                await client.images.get(ref)
            results = await asyncio.gather(*(client.ping() for _ in range(32)))
            assert all(results)

    asyncio.run(main())


def test_cleanup(client: dimg.Client, registry: str) -> None:
    for n in range(10, 20):
        force_remove(client, f"{registry}/t/p{n}:1.0")


def test_two_hundred_concurrent_operations_from_threads(docker_host: str, registry: str, index: str) -> None:
    import gc
    from concurrent.futures import ThreadPoolExecutor

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    # Anything set up once per process (by Python or the binding) is in the baseline.
    warm_up = dimg.Client(docker_host)
    assert warm_up.ping()
    del warm_up
    gc.collect()
    time.sleep(0.2)
    baseline = fds()
    client = dimg.Client(docker_host, timeout=120)
    stable = f"{registry}/tiny:1.0"
    client.images.pull(stable)
    to_pull = [f"{registry}/load/l{n:03d}:1.0" for n in range(1, 21)]
    to_remove = [f"{registry}/load/l{n:03d}:1.0" for n in range(21, 31)]
    for ref in to_pull + to_remove:
        force_remove(client, ref)
    for ref in to_remove:
        client.images.pull(ref)

    ops: list[tuple[str, str]] = [("pull", r) for r in to_pull] + [("remove", r) for r in to_remove]
    ops += [("list", "")] * 70 + [("inspect", stable)] * 60 + [("search", f"{index}/tomcat")] * 40
    assert len(ops) == 200

    def run(op: tuple[str, str]) -> object:
        kind, arg = op
        if kind == "pull":
            return client.images.pull(arg)
        if kind == "remove":
            return client.images.remove(arg)
        if kind == "list":
            return client.images.list()
        if kind == "inspect":
            return client.images.get(arg)
        return client.images.search(arg, limit=5)

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(run, ops))
    assert len(results) == 200
    for ref in to_pull:
        assert client.images.get(ref).tags == [ref]
        client.images.remove(ref)
    for ref in to_remove:
        with pytest.raises(dimg.ImageNotFound):
            client.images.get(ref)
    del client, pool, results
    gc.collect()
    deadline = time.monotonic() + 10
    while fds() > baseline:
        assert time.monotonic() < deadline, f"{fds()} fds open, {baseline} before"
        time.sleep(0.05)
