"""Shared fixtures. No test touches the network: sockets to anything but loopback are refused."""
from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from fakes import FakeEmbedder  # noqa: E402

SEEDS = PROJECT / "seeds"
DECLARATION = "003_34a20148922fa9fb.txt"
STATEMENT = "000_d2e472f1f95dd8ec.txt"


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def block_network(monkeypatch):
    """Refuse every connection that does not go to loopback (the browser tests only use 127.0.0.1)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"test tried to reach {address!r}; tests must stay offline")

    def connect(self, address):
        guard(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(self, address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


TINY_DOCS = {
    "alpha.txt": """Alpha Report on Fisheries

1. The committee reviewed salmon quotas in the northern rivers.

Harbour Works

2. The harbour of Portwick will be dredged in spring to admit larger ships.

3. Funding for the lighthouse comes from the regional council.
""",
    "beta.md": """Beta Notes on Forestry

Oak trees in the valley are protected by a new ordinance.

Timber exports fell sharply after the storm damaged roads.
""",
}


@pytest.fixture
def tiny_docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in TINY_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def real_embedder():
    from index.embed import default_embedder

    return default_embedder()


@pytest.fixture(scope="session")
def seeds_assistant(real_embedder, tmp_path_factory):
    """The real pipeline on the real seeds, with its index in a temporary folder; loaded once per session."""
    from retriever.assistant import Assistant

    return Assistant(SEEDS, tmp_path_factory.mktemp("seeds-index") / "index", real_embedder,
                     notice=lambda msg: None)
