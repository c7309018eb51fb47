"""`python -m eval.readme_examples [--update]`: run the command examples of README.md and compare what they
print with what the README shows, so the examples never drift from the code.

An example is a ```text block whose first line is `$ COMMAND`; the rest of the block is the output. In the
output, `...` stands for any text (elided timings, long paragraphs) and runs of whitespace compare equal, so a
long JSON line may be shown wrapped. `--update` rewrites the blocks that have no `...` with the real output.
"""
from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"
_BLOCK = re.compile(r"```text\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.S)
ELLIPSIS = "..."


@dataclass(frozen=True)
class Example:
    command: str
    output: str
    span: tuple[int, int]  # of the output inside the README


def examples(readme: str) -> list[Example]:
    return [Example(m["command"], m["output"], m.span("output")) for m in _BLOCK.finditer(readme)]


def run(command: str, timeout: float = 300) -> str:
    """Run an example's command from the project folder with this interpreter; its standard output."""
    argv = shlex.split(command)
    if argv and argv[0].endswith("python"):
        argv[0] = sys.executable
    done = subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, timeout=timeout)
    return done.stdout


def matches(shown: str, printed: str) -> bool:
    """Whether `printed` fits `shown`: whitespace runs equal, `...` in `shown` matching any text."""
    def squash(text: str) -> str:
        return " ".join(text.split())

    pattern = ".*?".join(re.escape(part) for part in squash(shown).split(ELLIPSIS))
    return re.fullmatch(pattern, squash(printed), re.S) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.readme_examples", description=__doc__,
                                     allow_abbrev=False)
    parser.add_argument("--update", action="store_true", help="rewrite examples without '...' from real runs")
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    drifted, pieces, last = 0, [], 0
    for ex in examples(readme):
        printed = run(ex.command)
        ok = matches(ex.output, printed)
        print(f"{'ok' if ok else 'DRIFTED'}: $ {ex.command}", file=sys.stderr)
        if not ok and args.update and ELLIPSIS not in ex.output:
            pieces += [readme[last:ex.span[0]], printed if printed.endswith("\n") else printed + "\n"]
            last = ex.span[1]
        elif not ok:
            drifted += 1
            print(f"  README shows:\n{ex.output}\n  the command prints:\n{printed}", file=sys.stderr)
    if args.update and pieces:
        README.write_text("".join(pieces) + readme[last:], encoding="utf-8")
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
