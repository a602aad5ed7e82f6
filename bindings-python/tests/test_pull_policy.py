"""Pull policies (`images.pull(..., policy=...)`) and `dimg.RateLimited`: against the fake
daemon (exactly which requests reach it; a 429 on demand) and the private engine."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

import dimg
from conftest import PODMAN, chunked, force_remove, json_reply

HUB_LIMIT = (
    "toomanyrequests: You have reached your pull rate limit. You may increase the limit by "
    "authenticating and upgrading: https://www.docker.com/increase-rate-limit"
)
LOCAL = "sha256:" + "1" * 64
INSPECT = {
    "Id": "sha256:aa",
    "RepoTags": ["127.0.0.1:5000/tiny:1.0"],
    "RepoDigests": [f"127.0.0.1:5000/tiny@{LOCAL}"],
    "Os": "linux",
    "Architecture": "amd64",
}
PULLED = [
    b'{"status":"Pulling from tiny","id":"1.0"}\r\n',
    b'{"status":"Digest: ' + LOCAL.encode() + b'"}\r\n',
    b'{"status":"Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0"}\r\n',
]


def local_daemon(present: bool):  # type: ignore[no-untyped-def]
    """A daemon that has 127.0.0.1:5000/tiny:1.0 (or not) and pulls it when asked."""

    def handler(line: str, conn: socket.socket) -> None:
        if "/images/create" in line:
            chunked(conn, PULLED)
        elif present:
            json_reply(conn, 200, json.dumps(INSPECT).encode())
        else:
            json_reply(conn, 404, b'{"message":"No such image: 127.0.0.1:5000/tiny:1.0"}')

    return handler


def calls(daemon) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.split(" ")[1] for line in daemon.requests if " /_ping " not in line]


def test_missing_with_the_image_present_sends_no_pull(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(local_daemon(present=True))
    client = dimg.Client(daemon.url)
    image = client.images.pull("127.0.0.1:5000/tiny:1.0", policy="missing")
    assert image.id == "sha256:aa"
    stream = client.images.pull_stream("127.0.0.1:5000/tiny:1.0", policy="missing")
    assert list(stream) == []
    assert stream.summary.outcome == "skipped" and stream.summary.digest == LOCAL
    assert not any("/images/create" in call for call in calls(daemon)), calls(daemon)


def test_missing_with_the_image_absent_pulls(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(local_daemon(present=False))
    stream = dimg.Client(daemon.url).images.pull_stream("127.0.0.1:5000/tiny", tag="1.0", policy="missing")
    assert len(list(stream)) == 3
    assert stream.summary.outcome == "downloaded"


def test_never_with_the_image_absent_is_image_not_found(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(local_daemon(present=False))
    with pytest.raises(dimg.ImageNotFound) as e:
        dimg.Client(daemon.url).images.pull("127.0.0.1:5000/tiny:1.0", policy="never")
    assert str(e.value) == "No such image: 127.0.0.1:5000/tiny:1.0"
    assert e.value.status_code == 404
    assert calls(daemon) == ["/v1.41/images/127.0.0.1:5000/tiny:1.0/json"]


def test_policy_errors_before_any_request(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(local_daemon(present=True))
    client = dimg.Client(daemon.url)
    with pytest.raises(dimg.InvalidArgument, match="expected always, missing, never or newer"):
        client.images.pull("tiny:1.0", policy="sometimes")  # type: ignore[call-overload]
    with pytest.raises(dimg.InvalidArgument, match="can't be used with --all-tags"):
        client.images.pull("tiny", all_tags=True, policy="missing")
    assert calls(daemon) == []


def test_the_async_client_takes_the_policy(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    daemon = fake_daemon(local_daemon(present=True))

    async def main() -> str:
        async with dimg.AsyncClient(daemon.url) as client:
            return (await client.images.pull("127.0.0.1:5000/tiny:1.0", policy="never")).id

    assert asyncio.run(main()) == "sha256:aa"


def test_a_429_is_rate_limited_with_the_registrys_message(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"message": HUB_LIMIT}).encode()
    daemon = fake_daemon(lambda line, conn: json_reply(conn, 429, body))
    with pytest.raises(dimg.RateLimited) as e:
        dimg.Client(daemon.url).images.pull("tiny:1.0")
    assert str(e.value) == HUB_LIMIT
    assert e.value.status_code == 429
    assert isinstance(e.value, dimg.APIError) and isinstance(e.value, dimg.DockerError)


def test_a_rate_limit_inside_the_stream_is_rate_limited(fake_daemon) -> None:  # type: ignore[no-untyped-def]
    line = json.dumps({"errorDetail": {"message": HUB_LIMIT}, "error": HUB_LIMIT}).encode() + b"\r\n"
    daemon = fake_daemon(lambda _, conn: chunked(conn, [PULLED[0], line]))
    stream = dimg.Client(daemon.url).images.pull_stream("tiny:1.0")
    events = []
    with pytest.raises(dimg.RateLimited) as e:
        for event in stream:
            events.append(event)
    assert len(events) == 1 and str(e.value) == HUB_LIMIT
    assert e.value.status_code is None


# ---------------------------------------------------------------------------------------------
# The private engine (t/p23 is this file's image, and core/tests/pull_policy.rs's)


def test_missing_and_never_against_the_engine(client: dimg.Client, registry: str) -> None:
    reference = f"{registry}/t/p23:1.0"
    force_remove(client, reference)
    with pytest.raises(dimg.ImageNotFound, match=f"No such image: {reference}"):
        client.images.pull(reference, policy="never")
    with pytest.raises(dimg.ImageNotFound):
        client.images.get(reference)
    image = client.images.pull(reference, policy="missing")
    assert image.tags == [reference]
    for policy in ("missing", "never"):
        stream = client.images.pull_stream(reference, policy=policy)
        assert list(stream) == [], policy
        assert stream.summary.outcome == "skipped", policy
        assert stream.summary.digest is not None and stream.summary.digest.startswith("sha256:")
        assert client.images.pull(reference, policy=policy) == image
    if PODMAN:
        with pytest.raises(dimg.UnsupportedOption, match="--policy=newer"):
            client.images.pull(reference, policy="newer")
    else:
        stream = client.images.pull_stream(reference, policy="newer")
        assert list(stream) == [] and stream.summary.outcome == "skipped"
    force_remove(client, reference)
