"""`python -m index add FILE…` and `python -m index remove NAME…`: the folder and the index change together,
bad input is one error line and exit 2. The embedder is the fake one (monkeypatched in)."""
import json

import pytest

import index.embedders
from fakes import FakeEmbedder
from index.__main__ import main


@pytest.fixture
def fake_model(monkeypatch):
    embedder = FakeEmbedder()
    monkeypatch.setattr(index.embedders, "make_embedder", lambda name, threads=None: embedder)
    return embedder


def test_add_then_remove_from_the_command_line(tiny_docs, tmp_path, fake_model, capsys):
    index_dir = tmp_path / "index"
    assert main(["build", "--docs", str(tiny_docs), "--index", str(index_dir)]) == 0
    capsys.readouterr()
    new = tmp_path / "elsewhere" / "gamma.txt"
    new.parent.mkdir()
    new.write_text("Gamma Memo\n\nThe Tarrow bridge reopens in June.\n")
    assert main(["add", str(new), "--docs", str(tiny_docs), "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "added gamma.txt"
    assert "paragraphs embedded 1, reused 5" in out
    assert (tiny_docs / "gamma.txt").read_text() == new.read_text()
    sources = json.loads((index_dir / "manifest.json").read_text())["sources"]
    assert sorted(sources) == ["alpha.txt", "beta.md", "gamma.txt"]

    assert main(["remove", "gamma.txt", "--docs", str(tiny_docs), "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("removed gamma.txt (moved to ")
    assert "paragraphs embedded 0, reused 5" in out
    assert (tiny_docs / ".trash" / "gamma.txt").exists() and not (tiny_docs / "gamma.txt").exists()


@pytest.mark.parametrize("argv, message", [
    (["add", "{tmp}/missing.txt"], "error: {tmp}/missing.txt is not a file"),
    (["add", "{tmp}/.secret.txt"], "error: the name '.secret.txt' starts with a dot"),
    (["remove", "nope.txt"], "error: nope.txt is not in"),
    (["remove", "../alpha.txt"], "error: the name '../alpha.txt' is a path"),
    (["add", "{docs}/alpha.txt", "--model", "gpt9"], "error: unknown model"),
])
def test_bad_input_is_one_line_and_exit_2(tiny_docs, tmp_path, fake_model, capsys, argv, message):
    (tmp_path / ".secret.txt").write_text("Secret\n\nA hidden paragraph.\n")
    argv = [a.format(tmp=tmp_path, docs=tiny_docs) for a in argv]
    before = sorted(p.name for p in tiny_docs.iterdir())
    assert main([*argv, "--docs", str(tiny_docs), "--index", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.format(tmp=tmp_path)) and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tiny_docs.iterdir() if p.name != ".documents.lock") == \
        [n for n in before if n != ".documents.lock"]
