"""`images.prune()` (docker-py's dict, its `dangling` filter, `all=`) against the real private
engine (and Podman in its pass), and `credential_helper_timeout=` with a credential helper that
never answers. Every image here carries a label of its own test and process
(dimg-prune-py=<test>-<pid>), and every prune filters on it, so nothing else on the engine is
touched."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import tarfile
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest

import dimg
from conftest import PODMAN, FakeDaemon, Reply, cli, json_reply


def label(test: str) -> str:
    return f"dimg-prune-py={test}-{os.getpid()}"


def import_image(docker_host: str, tmp_path: Path, content: str, label: str, name: str | None = None) -> str:
    """A one-file image with `content`, labelled `label` (KEY=VALUE), named `name` (None: a
    dangling image), imported with the docker CLI; its id."""
    directory = Path(tempfile.mkdtemp(dir=tmp_path))
    source = directory / "file.txt"
    source.write_text(content)
    archive = directory / "image.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(source, arcname="file.txt")
    image_id = cli(docker_host, "import", "-c", f"LABEL {label}", str(archive), *([name] if name else []))
    return image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"


def ids_with(client: dimg.Client, label: str) -> list[str]:
    return sorted(image.id for image in client.images.list(all=True, filters={"label": label}))


def deleted(report: dimg.PruneReport) -> list[str]:
    return [item["Deleted"] for item in report["ImagesDeleted"] if "Deleted" in item]


def test_dangling_by_default_then_all(client: dimg.Client, docker_host: str, tmp_path: Path) -> None:
    ours = label("all")
    tag = f"dimgpyprune/tagged:{os.getpid()}"
    dangling = import_image(docker_host, tmp_path, f"dangling {ours}", ours)
    tagged = import_image(docker_host, tmp_path, f"tagged {ours}", ours, tag)
    other = import_image(docker_host, tmp_path, f"other {ours}", label("someone-else"))
    try:
        assert ids_with(client, ours) == sorted([dangling, tagged])

        # Dangling only, and only what carries the label: docker-py's dict.
        report = client.images.prune(filters={"label": ours})
        assert set(report) == {"ImagesDeleted", "SpaceReclaimed"}
        assert isinstance(report["SpaceReclaimed"], int) and report["SpaceReclaimed"] >= 0
        assert {"Deleted": dangling} in report["ImagesDeleted"], report
        assert all(set(item) == {"Deleted"} for item in report["ImagesDeleted"]), report
        assert ids_with(client, ours) == [tagged]
        assert client.images.get(other).id == other  # not ours: it stays

        if PODMAN:
            # Its compatible endpoint prunes dangling images only and ignores label!: refused,
            # with nothing removed, however `all` is spelled.
            with pytest.raises(dimg.UnsupportedOption, match="Podman"):
                client.images.prune(filters={"label": ours}, all=True)
            with pytest.raises(dimg.UnsupportedOption, match="Podman"):
                client.images.prune(filters={"label": ours, "dangling": False})
            with pytest.raises(dimg.UnsupportedOption, match="label!"):
                client.images.prune(filters={"label": ours, "label!": "dimg-keep"})
            assert ids_with(client, ours) == [tagged]
            return

        # With all: the tagged one too, its untag first.
        report = client.images.prune(filters={"label": [ours]}, all=True)
        assert report["ImagesDeleted"][0] == {"Untagged": tag}, report
        assert tagged in deleted(report)
        assert report["SpaceReclaimed"] > 0
        assert ids_with(client, ours) == []
        assert client.images.get(other).id == other

        # Nothing left: an empty list (the daemon says null), not an error.
        assert client.images.prune(filters={"label": ours, "dangling": False}) == {
            "ImagesDeleted": [],
            "SpaceReclaimed": 0,
        }
        # What the daemon refuses is its error.
        with pytest.raises(dimg.APIError) as refused:
            client.images.prune(filters={"label": ours, "until": "not-a-time"})
        assert refused.value.status_code is not None and refused.value.status_code >= 400
    finally:
        for image in (tagged, other, dangling):
            try:
                client.images.remove(image, force=True)
            except dimg.ImageNotFound:
                pass


def test_docker_pys_dangling_false_means_all(client: dimg.Client, docker_host: str, tmp_path: Path) -> None:
    ours = label("dangling-false")
    tag = f"dimgpyprune/dangling-false:{os.getpid()}"
    tagged = import_image(docker_host, tmp_path, f"tagged {ours}", ours, tag)
    dangling = import_image(docker_host, tmp_path, f"dangling {ours}", ours)
    try:
        # dangling=True is the default: the tagged image stays.
        report = client.images.prune(filters={"dangling": True, "label": ours})
        assert dangling in deleted(report) and tagged not in deleted(report), report
        assert ids_with(client, ours) == [tagged]
        if PODMAN:
            return
        report = client.images.prune(filters={"dangling": "false", "label": ours})
        assert {"Untagged": tag} in report["ImagesDeleted"] and tagged in deleted(report)
        assert ids_with(client, ours) == []
    finally:
        for image in (tagged, dangling):
            try:
                client.images.remove(image, force=True)
            except dimg.ImageNotFound:
                pass


def test_the_async_client_prunes(docker_host: str, tmp_path: Path) -> None:
    ours = label("async")
    dangling = import_image(docker_host, tmp_path, f"dangling {ours}", ours)

    async def main() -> dimg.PruneReport:
        async with dimg.AsyncClient(docker_host) as client:
            return await client.images.prune({"label": ours})

    report = asyncio.run(main())
    assert {"Deleted": dangling} in report["ImagesDeleted"], report
    with dimg.Client(docker_host) as client:
        assert ids_with(client, ours) == []


def prune_daemon(answer: bytes) -> Reply:
    def reply(line: str, conn: socket.socket) -> None:
        json_reply(conn, 200, answer)

    return reply


def sent_filters(daemon: FakeDaemon) -> dict[str, list[str]]:
    (line,) = [r for r in daemon.requests if "/images/prune" in r]
    assert line.startswith("POST /v1.41/images/prune?"), line
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(line.split()[1]).query)
    filters: dict[str, list[str]] = json.loads(query["filters"][0])
    return filters


def test_filters_are_sent_as_the_docker_cli_sends_them(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    answer = b'{"ImagesDeleted":[{"Untagged":"a:1"},{"Deleted":"sha256:aa"}],"SpaceReclaimed":18}'
    daemon = fake_daemon(prune_daemon(answer))
    report = dimg.Client(daemon.url).images.prune(
        filters={"dangling": False, "label": ["a", "b=c"], "label!": "keep", "until": "24h"}
    )
    assert report == {"ImagesDeleted": [{"Untagged": "a:1"}, {"Deleted": "sha256:aa"}], "SpaceReclaimed": 18}
    assert sent_filters(daemon) == {"dangling": ["false"], "label": ["a", "b=c"], "label!": ["keep"], "until": ["24h"]}

    daemon = fake_daemon(prune_daemon(b'{"ImagesDeleted":null,"SpaceReclaimed":0}'))
    assert dimg.Client(daemon.url).images.prune() == {"ImagesDeleted": [], "SpaceReclaimed": 0}
    assert sent_filters(daemon) == {"dangling": ["true"]}
    daemon = fake_daemon(prune_daemon(b'{"ImagesDeleted":null,"SpaceReclaimed":0}'))
    dimg.Client(daemon.url).images.prune({"dangling": 1}, all=False)
    assert sent_filters(daemon) == {"dangling": ["true"]}


def test_bad_filters_are_refused_before_any_request(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(prune_daemon(b"{}"))
    client = dimg.Client(daemon.url)
    with pytest.raises(dimg.InvalidArgument, match="invalid filter 'reference'"):
        client.images.prune(filters={"reference": "tiny:*"})
    with pytest.raises(dimg.InvalidArgument, match="conflicting options"):
        client.images.prune(filters={"dangling": True}, all=True)
    with pytest.raises(dimg.InvalidArgument, match="conflicting dangling filters"):
        client.images.prune(filters={"dangling": [True, False]})
    with pytest.raises(dimg.InvalidArgument, match="expected true or false"):
        client.images.prune(filters={"dangling": "maybe"})
    with pytest.raises(dimg.InvalidArgument, match="needs a value"):
        client.images.prune(filters={"label": ""})
    with pytest.raises(TypeError):
        client.images.prune(filters={"until": None})  # type: ignore[dict-item]
    assert [r for r in daemon.requests if "/images/prune" in r] == []


HELPER = "dimgpyhang"


def hanging_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: str) -> Path:
    """A DOCKER_CONFIG whose credHelpers send `registry` to docker-credential-dimgpyhang, on
    PATH, which never answers: it waits for a `sleep` it started. Returns the file where the
    helper writes its pid and its sleep's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pids = tmp_path / "pids"
    helper = bin_dir / f"docker-credential-{HELPER}"
    helper.write_text(f"#!/bin/sh\necho $$ >> {pids}\nsleep 1000 &\necho $! >> {pids}\nwait\n")
    helper.chmod(0o755)
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {registry: HELPER}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return pids


def all_gone(pids_file: Path) -> list[int]:
    """The helper processes still running (not counting an orphan's zombie, init's to reap)
    after waiting up to a second; both must have been started."""
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 2, f"the helper and its sleep ran: {pids}"

    def left(pid: int) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return False
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        return state != "Z" or int(ppid) == os.getpid()

    until = time.monotonic() + 1
    while any(left(p) for p in pids) and time.monotonic() < until:
        time.sleep(0.01)
    return [p for p in pids if left(p)]


@pytest.fixture()
def auth_registry() -> str:
    value = os.environ.get("DIMG_TEST_AUTH_REGISTRY")
    if not value:
        pytest.fail("DIMG_TEST_AUTH_REGISTRY is not set: run scripts/test.sh (it starts the private engine)")
    return value


def test_a_hanging_credential_helper_is_killed_at_its_timeout(
    docker_host: str, auth_registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = hanging_helper(tmp_path, monkeypatch, auth_registry)
    client = dimg.Client(docker_host, timeout=120, credential_helper_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(dimg.CredentialsError) as err:
        client.images.pull(f"{auth_registry}/t/p19:1.0")
    took = time.monotonic() - started
    assert took < 1.5 + 2, took
    assert str(err.value) == f"credential helper docker-credential-{HELPER} did not answer within 1.5s"
    assert isinstance(err.value, dimg.DockerError)
    assert all_gone(pids) == []


def test_without_a_credential_helper_timeout_the_client_timeout_bounds_helpers(
    docker_host: str, auth_registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = hanging_helper(tmp_path, monkeypatch, auth_registry)
    started = time.monotonic()
    with pytest.raises(dimg.CredentialsError, match="within 1.5s"):
        dimg.Client(docker_host, timeout=1.5).images.pull(f"{auth_registry}/t/p19:1.0")
    assert time.monotonic() - started < 1.5 + 2
    assert all_gone(pids) == []


def test_the_async_client_takes_a_credential_helper_timeout(
    docker_host: str, auth_registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = hanging_helper(tmp_path, monkeypatch, auth_registry)
    monkeypatch.setenv("DOCKER_HOST", docker_host)

    async def main() -> None:
        async with dimg.AsyncClient.from_env(credential_helper_timeout=1) as client:
            await client.images.pull(f"{auth_registry}/t/p19:1.0")

    started = time.monotonic()
    with pytest.raises(dimg.CredentialsError, match="within 1s"):
        asyncio.run(main())
    assert time.monotonic() - started < 1 + 2
    assert all_gone(pids) == []


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), 1e300])
def test_credential_helper_timeout_must_be_positive_seconds(bad: float) -> None:
    with pytest.raises(dimg.InvalidArgument, match="credential_helper_timeout"):
        dimg.Client("unix:///nonexistent/docker.sock", credential_helper_timeout=bad)
    with pytest.raises(dimg.InvalidArgument, match="credential_helper_timeout"):
        dimg.AsyncClient.from_env(credential_helper_timeout=bad)
