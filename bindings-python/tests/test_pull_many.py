"""`images.pull_many()` against the private engine (and Podman in its pass) with this suite's
seeded set many-py/m1..m8 (one shared base layer, one own layer each; exact sizes in
$DIMG_TEST_SEED). Every test removes these images first and last: a layer present already is
not downloaded, and the totals count only what is."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

import dimg
from conftest import PODMAN, force_remove

SET = [f"many-py/m{i}" for i in range(1, 9)]


def references(registry: str, names: list[str] = SET) -> list[str]:
    return [f"{registry}/{name}:1.0" for name in names]


@pytest.fixture()
def clean(client: dimg.Client, registry: str) -> Any:
    """No image of the set, under the registry's name or the fault proxy's, before and after."""
    proxy = os.environ.get("DIMG_TEST_FAULT_PROXY", "")

    def remove_all() -> None:
        for reference in references(registry) + (references(proxy) if proxy else []):
            force_remove(client, reference)

    remove_all()
    yield
    remove_all()


def present(client: dimg.Client, reference: str) -> bool:
    try:
        client.images.get(reference)
        return True
    except dimg.ImageNotFound:
        return False


def test_nine_references_give_results_in_order_and_exact_totals(
    client: dimg.Client, registry: str, seed: list[dict[str, Any]], clean: None
) -> None:
    wanted = references(registry) + [f"{registry}/many-py/nosuch:1.0"]
    updates: list[dimg.PullManyProgress] = []
    results = client.images.pull_many(wanted, concurrency=4, progress=updates.append)

    # One entry per reference, in their order: the images as `pull` returns them, then the
    # missing one as its exception, not raised.
    assert len(results) == 9
    for reference, result in zip(wanted[:8], results[:8]):
        assert isinstance(result, dimg.Image), result
        assert result.tags == [reference] and result == client.images.get(reference)
    missing = results[8]
    assert isinstance(missing, dimg.ImageNotFound), missing
    assert missing.attempts == 1 and "many-py/nosuch" in str(missing)

    # Every image started and finished once; the failure's update carries the exception.
    for index in range(9):
        kinds = [u.kind for u in updates if u.index == index]
        assert kinds[0] == "started" and kinds[-1] == "finished" and kinds.count("finished") == 1, kinds
        assert set(kinds[1:-1]) <= {"event"}
        assert {u.reference for u in updates if u.index == index} == {wanted[index]}
    finished = {u.index: u for u in updates if u.kind == "finished"}
    assert isinstance(finished[8].error, dimg.ImageNotFound)
    assert all(finished[i].error is None for i in range(8))
    assert all(isinstance(u.event, dimg.PullProgress) for u in updates if u.kind == "event")
    assert all(u.event is None for u in updates if u.kind != "event")

    # The totals after the last update, from the seed: 9 distinct layers (the base counted once).
    layers = {layer["digest"]: layer["size"] for image in seed if image["name"] in SET for layer in image["layers"]}
    assert len(layers) == 9
    totals = updates[-1].totals
    assert (totals.images, totals.images_done, totals.images_failed) == (9, 8, 1)
    assert totals.elapsed > 0
    if PODMAN:
        # Podman reports no sizes, and names the image's config among its blobs.
        assert totals.bytes_done == totals.bytes_total == 0 and totals.eta is None
        assert totals.layers >= 9 and totals.layers_done == totals.layers
    else:
        present_already = {
            u.index: [(e.phase, e.id) for e in (v.event for v in updates if v.index == u.index) if e and e.id]
            for u in updates
        }
        assert (totals.layers, totals.layers_done) == (9, 9), f"present already: {present_already}"
        assert totals.bytes_total == sum(layers.values()) == totals.bytes_done, f"present already: {present_already}"
        assert totals.rate > 0 and totals.eta == 0.0
    # The totals only grow.
    done = [u.totals.images_done + u.totals.images_failed for u in updates]
    assert done == sorted(done)


def test_raise_on_error_raises_the_first_failure_after_every_pull_ended(
    client: dimg.Client, registry: str, clean: None
) -> None:
    wanted = [f"{registry}/many-py/m1:1.0", f"{registry}/many-py/nosuch:1.0", f"{registry}/many-py/m2:1.0"]
    with pytest.raises(dimg.ImageNotFound, match="many-py/nosuch"):
        client.images.pull_many(wanted, concurrency=1, raise_on_error=True)
    # The one after the failure was pulled too.
    assert present(client, wanted[0]) and present(client, wanted[2])


def test_a_bad_reference_is_refused_before_anything_is_pulled(
    client: dimg.Client, registry: str, clean: None
) -> None:
    wanted = [f"{registry}/many-py/m1:1.0", "Many-Py/Bad:1.0"]
    with pytest.raises(dimg.InvalidReference, match="must be lowercase"):
        client.images.pull_many(wanted, progress=lambda update: pytest.fail(f"progress called: {update}"))
    assert not present(client, wanted[0])
    with pytest.raises(dimg.InvalidArgument, match="concurrency of at least 1"):
        client.images.pull_many(wanted[:1], concurrency=0)
    with pytest.raises(dimg.InvalidArgument, match="concurrency of at least 1"):
        client.images.pull_many(wanted[:1], concurrency=-2)
    with pytest.raises(TypeError, match="not one str"):
        client.images.pull_many(wanted[0])
    with pytest.raises(dimg.InvalidArgument, match="expected always, missing, never or newer"):
        client.images.pull_many(wanted[:1], policy="sometimes")  # type: ignore[arg-type]
    assert not present(client, wanted[0])


class Stop(Exception):
    pass


def test_an_exception_from_progress_stops_every_pull_and_propagates(
    client: dimg.Client, registry: str, clean: None
) -> None:
    wanted = references(registry)
    seen: list[dimg.PullManyProgress] = []

    def progress(update: dimg.PullManyProgress) -> None:
        seen.append(update)
        if update.kind == "event":
            raise Stop(update.reference)

    with pytest.raises(Stop) as stopped:
        client.images.pull_many(wanted, concurrency=2, progress=progress)
    assert stopped.value.args[0] in wanted[:2]
    # Nothing was reported after the exception, and the images not started were never pulled.
    assert seen[-1].kind == "event" and {u.index for u in seen} <= {0, 1}
    assert not any(present(client, reference) for reference in wanted[2:])


def test_the_async_client_pulls_many(docker_host: str, registry: str, clean: None) -> None:
    wanted = references(registry, SET[:3])

    async def main() -> tuple[list[dimg.Image | dimg.DockerError], list[dimg.PullManyProgress]]:
        updates: list[dimg.PullManyProgress] = []
        async with dimg.AsyncClient(docker_host) as client:
            results = await client.images.pull_many(wanted, concurrency=2, progress=updates.append)
            with pytest.raises(dimg.InvalidReference):
                await client.images.pull_many(["Bad:1"])
        return results, updates

    results, updates = asyncio.run(main())
    assert [r.tags for r in results if isinstance(r, dimg.Image)] == [[reference] for reference in wanted]
    totals = updates[-1].totals
    assert (totals.images, totals.images_done, totals.images_failed) == (3, 3, 0)


def test_podman_pulls_many(registry: str) -> None:
    podman = dimg.Client(os.environ.get("DIMG_TEST_PODMAN_HOST") or pytest.fail("DIMG_TEST_PODMAN_HOST is not set"))
    wanted = references(registry, SET[6:8])
    for reference in wanted:
        force_remove(podman, reference)
    try:
        updates: list[dimg.PullManyProgress] = []
        results = podman.images.pull_many(wanted, progress=updates.append, policy="missing")
        assert [r.tags for r in results if isinstance(r, dimg.Image)] == [[reference] for reference in wanted]
        totals = updates[-1].totals
        assert (totals.images_done, totals.images_failed) == (2, 0) and totals.layers_done == totals.layers >= 3
        # Present now: the policy makes no pull, and every image is still answered.
        again = podman.images.pull_many(wanted, policy="missing")
        assert again == results
    finally:
        for reference in wanted:
            force_remove(podman, reference)
