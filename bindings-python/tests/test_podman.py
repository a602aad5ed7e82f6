"""The Python surface against a real `podman system service` (scripts/engine.sh up --podman):
same types and exceptions as with Docker. Uses the seeded image t/p33."""

from __future__ import annotations

import os

import pytest

import dimg


@pytest.fixture()
def podman() -> dimg.Client:
    host = os.environ.get("DIMG_TEST_PODMAN_HOST")
    if not host:
        pytest.fail("DIMG_TEST_PODMAN_HOST is not set: run scripts/test.sh (it starts podman)")
    return dimg.Client(host)


def test_podman_round_trip(podman: dimg.Client, registry: str) -> None:
    ping = podman.ping()
    assert ping.is_podman and ping.api_version == "1.41"
    ref = f"{registry}/t/p33:1.0"
    try:
        podman.images.remove(ref, force=True)
    except dimg.ImageNotFound:
        pass
    image = podman.images.pull(ref)
    assert image.tags == [ref]
    stream = podman.images.pull_stream(ref)
    list(stream)
    assert stream.summary.outcome == "up_to_date"  # compared with the image before the pull
    assert stream.summary.digest and stream.summary.digest.startswith("sha256:")
    assert podman.images.list(name=f"{registry}/t/p33") == [image]
    assert podman.images.tag(ref, "dimgpypodman/p33", tag="x")
    removed = podman.images.remove("dimgpypodman/p33:x")
    assert [(r.kind, r.value) for r in removed] == [("Untagged", "dimgpypodman/p33:x")]
    removed = podman.images.remove(ref)
    assert removed[0].kind == "Untagged" and ("Deleted", image.id) in [(r.kind, r.value) for r in removed]


def test_podman_errors_match_docker_ones(podman: dimg.Client, registry: str) -> None:
    with pytest.raises(dimg.ImageNotFound):
        podman.images.pull(f"{registry}/tiny")  # a 200 stream ending in errorDetail on Podman
    with pytest.raises(dimg.ImageNotFound):
        podman.images.get("dimgpypodman/nosuch:1")
    with pytest.raises(dimg.UnsupportedOption, match="Podman"):
        podman.images.pull(f"{registry}/alltags", all_tags=True)
    hits = podman.images.search(f"{registry}/tiny")
    assert [h.name for h in hits] == [f"{registry}/tiny"]
