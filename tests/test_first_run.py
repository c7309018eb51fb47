"""What a new user meets on a first run: browser tests that skip without Chromium, a build summary that says
what was embedded and what was reused, README examples that match what the commands print."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def test_browser_tests_skip_with_the_reason_when_chromium_is_missing(tmp_path):
    missing = tmp_path / "no-such-chromium"
    env = {**os.environ, "CHROMIUM": str(missing)}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "tests/browser"], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=300)
    report = out.stdout + out.stderr
    assert out.returncode == 0, report
    assert " error" not in report.lower() and "failed" not in report.lower(), report
    assert "skipped" in report
    assert f"Chromium not found at {missing}" in report
    assert "apt-get install chromium" in report


def build_cli(docs: Path, index_dir: Path, embedder, monkeypatch, capsys) -> str:
    import index.__main__ as cli
    from index import embedders

    monkeypatch.setattr(embedders, "make_embedder", lambda name: embedder)
    assert cli.main(["build", "--docs", str(docs), "--index", str(index_dir)]) == 0
    return capsys.readouterr().out


def test_build_summary_reports_what_was_embedded_and_reused(tiny_docs, tmp_path, fake_embedder, monkeypatch,
                                                           capsys):
    first = build_cli(tiny_docs, tmp_path / "idx", fake_embedder, monkeypatch, capsys)
    assert "paragraphs: 5" in first
    assert "paragraphs embedded 5, reused 0" in first
    again = build_cli(tiny_docs, tmp_path / "idx", fake_embedder, monkeypatch, capsys)
    assert "paragraphs embedded 0, reused 5" in again
    beta = tiny_docs / "beta.md"
    beta.write_text(beta.read_text().replace("sharply", "slightly"), encoding="utf-8")
    edited = build_cli(tiny_docs, tmp_path / "idx", fake_embedder, monkeypatch, capsys)
    assert "paragraphs embedded 1, reused 4" in edited


def test_readme_example_matching_ignores_wrapping_and_elisions():
    from eval.readme_examples import examples, matches

    readme = 'text\n```text\n$ python app.py ask "Q?"\n{"a": 1,\n "b": ...}\n```\nmore'
    (ex,) = examples(readme)
    assert ex.command == 'python app.py ask "Q?"'
    assert matches(ex.output, '{"a": 1, "b": [2, 3]}\n')
    assert not matches(ex.output, '{"a": 2, "b": [2, 3]}\n')
    assert not matches("one sentence.\n", "one sentence. And another one.\n")


@pytest.mark.integration
def test_readme_examples_print_what_the_readme_shows():
    from eval.readme_examples import README, examples, matches, run

    found = examples(README.read_text(encoding="utf-8"))
    assert len(found) >= 2, "the README's command examples were not found"
    for ex in found:
        printed = run(ex.command)
        assert matches(ex.output, printed), (f"README example drifted: $ {ex.command}\nREADME shows:\n{ex.output}\n"
                                             f"the command prints:\n{printed}\n(python -m eval.readme_examples "
                                             "--update rewrites it)")
