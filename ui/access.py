"""Who may add and remove documents through a served UI: a function of how the server was started, so the
rule can be tested without binding anything but 127.0.0.1."""
from __future__ import annotations

from dataclasses import dataclass

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class WriteAccess:
    allowed: bool
    reason: str  # shown in the page when not allowed, and returned by the API endpoints that refuse


def write_access(host: str, auth, read_only: bool) -> WriteAccess:
    """On 127.0.0.1 writes are on; on any other address only with --auth; --read-only turns them off anywhere."""
    if read_only:
        return WriteAccess(False, "Adding and removing documents is off: the server was started with --read-only.")
    if host in LOOPBACK or auth:
        return WriteAccess(True, "")
    return WriteAccess(False, f"Adding and removing documents is off: the server listens on {host} without "
                              "--auth, so anyone who can reach it could change the documents. Restart it with "
                              "--auth user:password (or on 127.0.0.1) to enable it.")


READ_ONLY = WriteAccess(False, "Adding and removing documents is off for this page.")
