"""Every method and option of dimg.Client against the real private engine. The Python suite
uses the seeded images t/p10 .. t/p19 so it never shares state with the Rust suite. scripts/test.sh
runs it a second time against Podman (`PODMAN`), where the daemon's wording and a few answers differ."""

from __future__ import annotations

import os

import pytest

import dimg
from conftest import PODMAN, cli, force_remove


def test_ping_version_info(client: dimg.Client, mirror: str) -> None:
    ping = client.ping()
    assert ping and ping.api_version == "1.41" and ping.is_podman == PODMAN
    assert client.api_version() == "1.41"
    version = client.version()
    assert version.api_version == "1.41" and version.version.startswith("4." if PODMAN else "20.10")
    info = client.info()
    assert info.driver == "vfs"
    assert "Info" in repr(info)
    if PODMAN:
        return  # no daemon-wide registry settings: they live in Podman's registries.conf
    assert info.docker_root_dir.startswith(os.environ["DIMG_ENGINE_DIR"])
    assert f"http://{mirror}/" in info.registry_mirrors
    assert "127.0.0.0/8" in info.insecure_registries


def test_client_from_docker_host_env(docker_host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    with dimg.Client() as c:
        assert c.socket_path == docker_host.removeprefix("unix://")
        assert c.ping()
    assert dimg.Client(docker_host.removeprefix("unix://")).ping()


def test_pull_returns_the_image_and_reports_progress(client: dimg.Client, registry: str) -> None:
    ref = f"{registry}/t/p10:1.0"
    force_remove(client, ref)
    events: list[dimg.PullProgress] = []
    image = client.images.pull(f"{registry}/t/p10", tag="1.0", progress=events.append)
    assert isinstance(image, dimg.Image)
    assert image.tags == [ref]
    assert image.id.startswith("sha256:") and image.short_id == image.id[:19]
    assert image.digests and image.digests[0].startswith(f"{registry}/t/p10@sha256:")
    assert image.created == 1704135600  # 2024-01-01T19:00:00Z, as seeded for t/p10
    if PODMAN:  # per layer `Pulling fs layer`, `Download complete`, and nothing else
        assert events[0].phase == "pulling_fs_layer" and events[-1].phase == "download_complete"
    else:
        assert events[0].phase == "pulling_from" and events[0].status == "Pulling from t/p10"
        assert any(e.phase == "pull_complete" for e in events)
        assert events[-1].phase == "status" and "Downloaded newer image" in events[-1].status
    assert "p10" in repr(image) and "PullProgress" in repr(events[0])

    again = client.images.pull(ref, platform="linux/amd64")
    assert again == image and hash(again) == hash(image)
    assert client.images.get(ref) == image
    assert client.images.get(image.id).tags == [ref]


def test_pull_stream_iterates_events_and_summarises(client: dimg.Client, registry: str) -> None:
    ref = f"{registry}/t/p11:1.0"
    force_remove(client, ref)
    stream = client.images.pull_stream(ref)
    phases = [event.phase for event in stream]
    assert phases[0] == ("pulling_fs_layer" if PODMAN else "pulling_from")
    summary = stream.summary
    assert summary.outcome == "downloaded" and summary.reference == ref
    assert summary.digest and summary.digest.startswith("sha256:")
    assert summary.events == len(phases)
    if not PODMAN:  # Podman's stream has no `Pull complete`
        assert "pull_complete" in phases and summary.layers_pulled == 1
    up_to_date = client.images.pull_stream(ref)
    list(up_to_date)
    assert up_to_date.summary.outcome == "up_to_date"


def test_pull_by_digest_and_all_tags(client: dimg.Client, registry: str) -> None:
    image = client.images.pull(f"{registry}/tiny", tag="1.0")
    digest = image.digests[0].split("@")[1]
    assert client.images.pull(f"{registry}/tiny", tag=digest) == image
    assert client.images.pull(f"{registry}/tiny@{digest}") == image
    if PODMAN:  # its compatible endpoint would pull `latest` instead: refused before any request
        with pytest.raises(dimg.UnsupportedOption, match="not supported by Podman"):
            client.images.pull(f"{registry}/alltags", all_tags=True)
        return
    every = client.images.pull(f"{registry}/alltags", all_tags=True)
    assert isinstance(every, list)
    assert sorted(t for i in every for t in i.tags) == [f"{registry}/alltags:{t}" for t in "abc"]
    with pytest.raises(dimg.InvalidArgument, match="tag can't be used with --all-tags"):
        client.images.pull(f"{registry}/alltags:a", all_tags=True)


def test_pull_errors(client: dimg.Client, registry: str) -> None:
    with pytest.raises(dimg.ImageNotFound) as missing:
        client.images.pull(f"{registry}/tiny")  # no `latest`: never every tag
    assert missing.value.status_code == 404
    assert "tiny:latest" in str(missing.value)
    assert isinstance(missing.value, dimg.APIError) and isinstance(missing.value, dimg.DockerError)
    # Docker refuses the request (500); Podman answers 200 and says it inside the stream.
    with pytest.raises(dimg.PullError if PODMAN else dimg.APIError, match="connection refused") as refused:
        client.images.pull("127.0.0.1:1/x", tag="1.0")
    assert refused.value.status_code == (None if PODMAN else 500)
    with pytest.raises(dimg.InvalidReference, match=r"repository name \(library/Tiny\) must be lowercase"):
        client.images.pull("Tiny")
    with pytest.raises(dimg.InvalidArgument):
        client.images.pull(f"{registry}/tiny", tag="1.0", platform="linux//x")


def test_list_with_name_all_and_filters(client: dimg.Client, registry: str, docker_host: str) -> None:
    older = client.images.pull(f"{registry}/t/p12:1.0")
    newer = client.images.pull(f"{registry}/t/p13:1.0")
    labelled = client.images.pull(f"{registry}/labelled:1.0")
    everything = client.images.list(all=True)
    assert {older, newer, labelled} <= set(everything)
    assert [i.created for i in everything] == sorted((i.created for i in everything), reverse=True)
    assert client.images.list(name=f"{registry}/t/p1[23]:*") == [newer, older]
    # Other suites may hold images with the same labels: check membership and the label.
    by_value = client.images.list(filters={"label": "org.example.team=core"})
    assert labelled in by_value and all(i.labels.get("org.example.team") == "core" for i in by_value)
    both = client.images.list(filters={"label": ["org.example.team", "org.example.tier=test"]})
    assert labelled in both and all(i.labels.get("org.example.tier") == "test" for i in both)
    assert labelled not in client.images.list(filters={"label": "org.example.team=other"})
    assert labelled.labels == {"org.example.team": "core", "org.example.tier": "test"}
    before = client.images.list(filters={"before": f"{registry}/t/p13:1.0"})
    assert older in before and newer not in before
    since = client.images.list(filters={"since": f"{registry}/t/p12:1.0"})
    assert newer in since and older not in since
    dangling_id = cli(docker_host, "import", "--message", "py dangling", os.devnull)
    try:
        dangling = client.images.list(filters={"dangling": True})
        assert dangling_id in [i.id for i in dangling] and all(not i.tags for i in dangling)
        assert dangling_id not in [i.id for i in client.images.list(filters={"dangling": False})]
    finally:
        force_remove(client, dangling_id)


def test_list_argument_errors_before_any_request(client: dimg.Client) -> None:
    with pytest.raises(dimg.InvalidArgument, match="invalid filter 'colour'"):
        client.images.list(filters={"colour": "blue"})
    with pytest.raises(dimg.InvalidArgument):
        client.images.list(filters={"dangling": "maybe"})
    with pytest.raises(dimg.UnsupportedOption, match="until requires API version 1.44"):
        client.images.list(filters={"until": "10m"})
    with pytest.raises(TypeError):
        client.images.list(filters={"label": 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        client.images.list(all="yes")  # type: ignore[arg-type]


def test_search_with_limit_and_filters(client: dimg.Client, index: str) -> None:
    term = f"{index}/tomcat"
    hits = client.images.search(term)
    tomcat = next(h for h in hits if h.name.endswith("tomcat") and h.is_official)
    assert tomcat.star_count == 2464
    assert len(client.images.search(term, limit=3)) == 3
    starred = client.images.search(term, filters={"stars": 50})
    assert starred and all(h.star_count >= 50 for h in starred)
    official = client.images.search(term, filters={"is-official": True})
    assert official and all(h.is_official for h in official)
    automated = client.images.search(term, filters={"is-automated": True})
    assert automated and all(h.is_automated for h in automated)
    assert "SearchResult" in repr(tomcat)
    for bad in (0, 101, -1):
        with pytest.raises(dimg.InvalidArgument, match="outside the range"):
            client.images.search(term, limit=bad)
    with pytest.raises(dimg.InvalidArgument):
        client.images.search(term, filters={"official": True})


def test_remove_tag_force_conflict_and_noprune(client: dimg.Client, registry: str, docker_host: str) -> None:
    ref = f"{registry}/t/p14:1.0"
    image = client.images.pull(ref)
    assert client.images.tag(ref, "dimgpy/p14", tag="a") is True
    removed = client.images.remove("dimgpy/p14:a")
    assert [(r.kind, r.value) for r in removed] == [("Untagged", "dimgpy/p14:a")]
    assert str(removed[0]) == "Untagged: dimgpy/p14:a"

    container = cli(docker_host, "create", ref, "/nothing")
    try:
        with pytest.raises(dimg.Conflict) as conflict:
            client.images.remove(ref)
        assert conflict.value.status_code == 409
        assert ("image is in use by a container" if PODMAN else "is using its referenced image") in str(conflict.value)
        forced = client.images.remove(ref, force=True)
        assert ("Untagged", ref) in [(r.kind, r.value) for r in forced]
    finally:
        # Podman's forced removal removes the containers using the image too.
        if not PODMAN or container[:12] in cli(docker_host, "ps", "-aq"):
            cli(docker_host, "rm", container)
    force_remove(client, image.id)

    parent = client.images.pull(f"{registry}/t/p15:1.0")
    container = cli(docker_host, "create", f"{registry}/t/p15:1.0", "/nothing")
    child = cli(docker_host, "commit", container, "dimgpy/p15-child:1")
    cli(docker_host, "rm", container)
    client.images.remove(f"{registry}/t/p15:1.0")
    removed = client.images.remove("dimgpy/p15-child:1", noprune=True)
    assert ("Deleted", child) in [(r.kind, r.value) for r in removed]
    if PODMAN:
        # Podman never keeps an untagged parent: it went with its last tag, before noprune mattered.
        with pytest.raises(dimg.ImageNotFound):
            client.images.get(parent.id)
        return
    assert client.images.get(parent.id).id == parent.id  # kept by noprune
    force_remove(client, parent.id)
    with pytest.raises(dimg.ImageNotFound):
        client.images.get(parent.id)


def test_remove_many_like_docker_rmi(client: dimg.Client, registry: str) -> None:
    ref = f"{registry}/t/p16:1.0"
    image = client.images.pull(ref)
    report = client.images.remove_many([image.id, image.id, "dimgpy/nosuch"], force=True)
    assert ("Deleted", image.id) in [(r.kind, r.value) for r in report.removed]
    assert [t for t, _ in report.errors] == [image.id, "dimgpy/nosuch"]
    assert all(isinstance(e, dimg.ImageNotFound) for _, e in report.errors)
    assert report.exit_code == 0
    report = client.images.remove_many(["dimgpy/nosuch"])
    assert report.exit_code == 1


def test_bad_names_never_reach_the_daemon(client: dimg.Client, registry: str) -> None:
    kept = client.images.pull(f"{registry}/tiny:1.0")
    short = kept.id.removeprefix("sha256:")[:12]
    for name in [
        "tiny:1.0?force=1",
        f"{registry}/tiny:1.0?force=1",
        f"{short}?force=true",
        f"x/../{short}",
        "../../containers/json",
        "%2e%2e",
        "a b",
        "a\x00b",
        "x\r\nX: 1",
        "",
    ]:
        with pytest.raises(dimg.InvalidReference):
            client.images.remove(name, force=True)
        with pytest.raises(dimg.InvalidReference):
            client.images.get(name)
        with pytest.raises(dimg.InvalidReference):
            client.images.pull(name)
    assert client.images.get(kept.id) == kept  # nothing was removed


def test_errors_carry_status_codes(docker_host: str) -> None:
    too_new = dimg.Client(docker_host, version="1.45")
    if PODMAN:
        assert isinstance(too_new.images.list(), list)  # Podman serves every /vX.Y/ prefix alike
    else:
        with pytest.raises(dimg.APIError) as err:
            too_new.images.list()
        assert err.value.status_code == 400 and "too new" in str(err.value)
    with pytest.raises(dimg.InvalidArgument):
        dimg.Client(docker_host, version="one.two")
    with pytest.raises(dimg.InvalidArgument, match="npipe"):
        dimg.Client("npipe:////./pipe/docker_engine")
    with pytest.raises(dimg.ConnectError, match="/nonexistent/docker.sock") as missing:
        dimg.Client("unix:///nonexistent/docker.sock").ping()
    assert missing.value.status_code is None


def test_registry_credentials(client: dimg.Client) -> None:
    registry = os.environ["DIMG_TEST_AUTH_REGISTRY"]
    user, password = os.environ["DIMG_TEST_AUTH_USER"], os.environ["DIMG_TEST_AUTH_PASSWORD"]
    ref = f"{registry}/t/p19:1.0"
    force_remove(client, ref)
    with pytest.raises(dimg.AuthenticationError) as missing:
        client.images.pull(ref, auth_config={})
    assert isinstance(missing.value, dimg.APIError) and not isinstance(missing.value, dimg.ImageNotFound)
    with pytest.raises(dimg.AuthenticationError) as wrong:
        client.images.pull(ref, auth_config={"username": user, "password": "wrong-password"})
    assert "wrong-password" not in str(wrong.value) and "wrong-password" not in repr(wrong.value)
    image = client.images.pull(ref, auth_config={"username": user, "password": password, "serveraddress": registry})
    assert image.tags == [ref]
    with pytest.raises(dimg.InvalidArgument, match="unknown auth_config key"):
        client.images.pull(ref, auth_config={"user": user})
    force_remove(client, ref)


def test_daemon_json_mirror_helpers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "daemon.json"
    path.write_text('{"debug": true, "log-level": "warn"}')
    change = dimg.add_registry_mirror("https://mirror.example.com", path=str(path))
    assert change.changed and change.restart_required and change.mirrors == ["https://mirror.example.com/"]
    assert not dimg.add_registry_mirror("https://mirror.example.com/", path=str(path)).changed
    assert dimg.registry_mirrors(str(path)) == ["https://mirror.example.com/"]
    text = path.read_text()
    assert text.index('"debug"') < text.index('"log-level"') < text.index('"registry-mirrors"')
    assert dimg.remove_registry_mirror("https://mirror.example.com", path=str(path)).mirrors == []
    with pytest.raises(dimg.InvalidArgument):
        dimg.add_registry_mirror("ftp://x", path=str(path))
    path.write_text("{broken")
    with pytest.raises(dimg.InvalidArgument, match="not touching it"):
        dimg.add_registry_mirror("https://m.example.com", path=str(path))
    assert path.read_text() == "{broken"
