"""Where the team's shared data lives (SQuAD, the real test documents): `$QA_SHARED` when set, else `shared/`
beside the project, as CI checks it out, else `shared/` beside the checkout this one was cloned from (so a
`git clone . /tmp/fresh` of a checkout beside shared/ finds it too). Read in place, never copied."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _origin_checkout(project: Path) -> Path | None:
    """The local folder `project` was cloned from, if it was cloned from one."""
    try:
        url = subprocess.run(["git", "-C", str(project), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://"))
    return path.resolve() if url and path.is_absolute() and path.is_dir() else None


def shared_dir(project: Path = PROJECT, environ=os.environ) -> Path:
    if environ.get("QA_SHARED"):
        return Path(environ["QA_SHARED"])
    beside = project.parent / "shared"
    if beside.is_dir():
        return beside
    origin = _origin_checkout(project)  # asked only when needed: it runs git
    if origin is not None and (origin.parent / "shared").is_dir():
        return origin.parent / "shared"
    return beside


SHARED = shared_dir()
DOCUMENTS = SHARED / "documents"
SQUAD_V2_DEV = SHARED / "benchmarks" / "squad" / "dev-v2.0.reconstructed.json"
MISSING_HINT = ("run from a checkout beside the shared/ folder, or set QA_SHARED to that folder "
                "(QA_SHARED=/path/to/shared make test)")
SQUAD_MISSING = f"error: the SQuAD v2.0 dev file is not at {SQUAD_V2_DEV}: {MISSING_HINT}"
