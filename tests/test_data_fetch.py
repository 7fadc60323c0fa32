"""Downloading with pooch, served from a local HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.external import ExternalDataset, ExternalFile
from anionscreen.datasets.fetch import fetch, read_verified
from anionscreen.datasets.settings import Settings

CONTENT = b"composition,sigma_S_per_cm\nLi6PS5Cl,2e-3\n"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    (root / "good.csv").write_bytes(CONTENT)
    (root / "changed.csv").write_bytes(CONTENT + b"LiCl,1e-6\n")
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _dataset(url: str) -> ExternalDataset:
    entry = ExternalFile("demo/demo.csv", hashlib.sha256(CONTENT).hexdigest(), url)
    return ExternalDataset("demo", "conductivity", entry, 1, "a citation", "CC0", "demo", "2024")


def test_fetch_downloads_into_cache_and_verifies(server: str, tmp_path: Path) -> None:
    settings = Settings(tmp_path / "ws", None, tmp_path / "cache")
    dataset = _dataset(f"{server}/good.csv")
    with pytest.raises(AnionscreenError, match="`anionscreen datasets fetch demo`"):
        read_verified(dataset, settings)
    path = fetch(dataset, settings)
    assert path == tmp_path / "cache" / "datasets" / "demo" / "demo.csv"
    assert path.read_bytes() == CONTENT
    assert read_verified(dataset, settings) == CONTENT


def test_download_with_wrong_checksum_is_an_error_and_caches_nothing(
    server: str, tmp_path: Path
) -> None:
    settings = Settings(tmp_path / "ws", None, tmp_path / "cache")
    url = f"{server}/changed.csv"
    dataset = _dataset(url)
    actual = hashlib.sha256(CONTENT + b"LiCl,1e-6\n").hexdigest()
    with pytest.raises(ChecksumError) as info:
        fetch(dataset, settings)
    assert str(info.value).startswith(
        f"checksum mismatch for {url}: expected sha256 {dataset.file.sha256}, got {actual}."
    )
    assert not list((tmp_path / "cache").rglob("*.csv"))


def test_download_failure_says_what_to_do(server: str, tmp_path: Path) -> None:
    settings = Settings(tmp_path / "ws", None, tmp_path / "cache")
    with pytest.raises(AnionscreenError, match=r"could not download .*/missing\.csv") as info:
        fetch(_dataset(f"{server}/missing.csv"), settings)
    assert "ANIONSCREEN_DATA_MIRROR" in str(info.value)
