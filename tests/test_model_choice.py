"""Which model a command uses (--model, QA_MODEL, default), per-model index folders, and an --index built with
another model refused in plain words. Fake embedders only: no model is loaded."""
import subprocess
import sys

import pytest

from conftest import PROJECT
from fakes import FakeEmbedder
from index.embedders import DEFAULT_MODEL, MODELS, UnknownModelError, clean_for_engine, resolve_model
from index.paths import INDEX_ROOT, default_index_dir
from index.store import IndexModelError, build_index, open_index


def run(*args, env=None):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=PROJECT, timeout=120,
                          env=env)


def test_model_comes_from_the_flag_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.delenv("QA_MODEL", raising=False)
    assert resolve_model(None) == DEFAULT_MODEL == "minilm"
    monkeypatch.setenv("QA_MODEL", "e5-small")
    assert resolve_model(None) == "e5-small"
    assert resolve_model("minilm") == "minilm"


@pytest.mark.parametrize("value, source", [("bert", "--model"), ("E5", "QA_MODEL")])
def test_an_unknown_model_names_itself_and_the_valid_ones(monkeypatch, value, source):
    monkeypatch.setenv("QA_MODEL", value) if source == "QA_MODEL" else monkeypatch.delenv("QA_MODEL", raising=False)
    with pytest.raises(UnknownModelError) as e:
        resolve_model(value if source == "--model" else None)
    assert str(e.value) == f"unknown model {value!r} (from {source}); choose one of minilm, e5-small"


def test_each_model_gets_its_own_default_index_folder(tmp_path):
    folders = {m: default_index_dir(tmp_path, m) for m in MODELS}
    assert len(set(folders.values())) == len(MODELS)
    for model, folder in folders.items():
        assert folder.parent == INDEX_ROOT and folder.name.endswith(f"-{model}")


def test_the_default_model_has_its_own_fitted_scorer_and_a_model_without_one_is_refused(monkeypatch, tmp_path):
    import json

    from index.embedders import DEFAULT_MODEL
    from retriever import scorer

    fitted = json.loads(scorer.scorer_path(DEFAULT_MODEL).read_text())
    assert fitted["info"]["model"] == DEFAULT_MODEL  # fitted for this model, not borrowed from another
    monkeypatch.setattr(scorer, "MODELS_DIR", tmp_path)

    class Unfitted:
        name = "e5-small"

    with pytest.raises(scorer.ScorerError, match="no answer scorer fitted for the model 'e5-small'.*make train"):
        scorer.scorer_for(Unfitted())


def test_an_explicit_index_of_another_model_is_refused_not_rebuilt(tiny_docs, tmp_path):
    build_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="e5-small"))
    with pytest.raises(IndexModelError, match="built with e5-small; pass --model e5-small"):
        open_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="minilm"), same_model_only=True)
    with pytest.raises(IndexModelError, match="built with e5-small; pass --model e5-small"):
        build_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="minilm"), same_model_only=True)
    # the same model opens it; a default folder (not named by the user) is rebuilt instead
    assert open_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="e5-small"), same_model_only=True)
    notices = []
    index = open_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="minilm"), notice=notices.append)
    assert index.manifest["model"] == "minilm" and notices == ["Rebuilding the index: index was built with a "
                                                               "different model."]


def test_cli_refuses_an_index_built_with_another_model(tiny_docs, tmp_path):
    build_index(tiny_docs, tmp_path / "idx", FakeEmbedder(name="e5-small"))
    out = run("app.py", "ask", "--docs", str(tiny_docs), "--index", str(tmp_path / "idx"), "--model", "minilm",
              "--json", "Who dredges the harbour?")
    assert out.returncode == 2 and out.stdout == ""
    assert "built with e5-small; pass --model e5-small" in out.stderr
    out = run("-m", "index", "build", "--docs", str(tiny_docs), "--index", str(tmp_path / "idx"))
    assert out.returncode == 2 and "built with e5-small; pass --model e5-small" in out.stderr


@pytest.mark.parametrize("args", [("app.py", "ask", "--model", "bert", "q"), ("app.py", "--model", "bert"),
                                  ("-m", "index", "build", "--model", "bert"), ("-m", "eval", "--model", "bert")])
def test_commands_exit_2_on_an_unknown_model_listing_the_valid_ones(args):
    out = run(*args)
    assert out.returncode == 2
    assert "unknown model 'bert' (from --model); choose one of minilm, e5-small" in out.stderr


def test_help_shows_the_default_model_and_options_are_not_abbreviated():
    for args in (("app.py", "--help"), ("app.py", "ask", "--help"), ("-m", "index", "build", "--help"),
                 ("-m", "eval", "--help")):
        out = run(*args)
        assert out.returncode == 0 and "else minilm" in " ".join(out.stdout.split()), args
    out = run("app.py", "ask", "--mod", "e5-small", "q")
    assert out.returncode == 2 and "unrecognized arguments: --mod" in out.stderr


def test_text_is_cleaned_of_what_a_c_engine_mishandles():
    assert clean_for_engine("a\x00b") == "a b"
    assert clean_for_engine("x\ud800y\udfff") == "x\ufffdy\ufffd"
    assert clean_for_engine("日本語 \U0001F600 é") == "日本語 \U0001F600 é"


def test_a_question_mostly_in_another_script_is_told_nothing_is_translated():
    from retriever.assistant import mostly_other_script

    assert mostly_other_script("経済安全保障に関する宣言はどこで署名されましたか？")
    assert mostly_other_script("Где была подписана декларация?")
    assert not mostly_other_script("Where was the GCAP (グローバル戦闘航空プログラム) declaration signed?")
    assert not mostly_other_script("2026?")
