"""Start the real app (`python app.py`) on a free loopback port for a test, and stop it afterwards."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(index_dir: Path | None, log_path: Path, *args: str, env: dict | None = None, timeout: float = 180):
    """Yield the base URL of a running app; fail with its log if it does not come up. `index_dir` None: no
    --index (e.g. the app reads a --store)."""
    port = free_port()
    log = open(log_path, "w+")
    index_args = ["--index", str(index_dir)] if index_dir is not None else []
    proc = subprocess.Popen([sys.executable, str(PROJECT / "app.py"), "--port", str(port), *index_args, *args],
                            cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the app exited early:\n{log.read()}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (e.g. 401 behind auth): it is up
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"the app did not start within {timeout} s")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
