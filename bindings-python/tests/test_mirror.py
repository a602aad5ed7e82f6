"""daemon.json mirror edits under concurrency, through links, and with hostile input (issue 17)."""

from __future__ import annotations

import multiprocessing
import os
import pathlib
import threading

import pytest

import dimg


def _add(path: str, url: str) -> bool:
    return dimg.add_registry_mirror(url, path=path).changed


def test_threads_and_processes_at_once_lose_no_update(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text('{"debug": true}\n')
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(_add(str(path), f"https://t{n}.example.com")))
        for n in range(8)
    ]
    # spawn, not fork: a fork of a process whose threads are inside dimg is not what users do.
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pending = pool.starmap_async(_add, [(str(path), f"https://p{n}.example.com") for n in range(8)])
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(pending.get(timeout=60))
    assert results == [True] * 8
    expected = {f"https://t{n}.example.com/" for n in range(8)} | {f"https://p{n}.example.com/" for n in range(8)}
    assert set(dimg.registry_mirrors(str(path))) == expected
    assert '"debug": true' in path.read_text()


def test_a_link_stays_a_link(tmp_path: pathlib.Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "daemon.json"
    real.write_text("{}\n")
    link = tmp_path / "daemon.json"
    os.symlink("real/daemon.json", link)
    change = dimg.add_registry_mirror("https://m.example.com", path=str(link))
    assert change.path == str(link) and change.target == str(real)
    assert link.is_symlink()
    assert dimg.registry_mirrors(str(real)) == ["https://m.example.com/"]


@pytest.mark.parametrize("url", ["http://[::1", "http://:80", "http://[]", "http://-.", "http://x:70000"])
def test_hosts_dockerd_cannot_use_are_refused_untouched(tmp_path: pathlib.Path, url: str) -> None:
    path = tmp_path / "daemon.json"
    path.write_text('{"debug": true}\n')
    with pytest.raises(dimg.InvalidArgument, match="invalid registry mirror"):
        dimg.add_registry_mirror(url, path=str(path))
    assert path.read_text() == '{"debug": true}\n'


def test_no_secret_and_no_megabyte_in_the_message(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "daemon.json")
    with pytest.raises(dimg.InvalidArgument) as refused:
        dimg.add_registry_mirror("https://alice:TopSecret@m.example.com", path=path)
    assert "TopSecret" not in str(refused.value) and "alice:xxxxx@m.example.com" in str(refused.value)
    with pytest.raises(dimg.InvalidArgument) as refused:
        dimg.add_registry_mirror("http://" + "a" * (1 << 20), path=path)
    assert len(str(refused.value)) < 600


def test_a_byte_order_mark_and_a_repeated_key_are_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "daemon.json"
    for text in ['\ufeff{"debug": true}', '{"registry-mirrors": [], "registry-mirrors": ["https://a.example/"]}']:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(dimg.InvalidArgument, match="not touching it"):
            dimg.add_registry_mirror("https://m.example.com", path=str(path))
        assert path.read_text(encoding="utf-8") == text
