"""Where the tests and benchmarks find the team's shared data: beside the project, beside the checkout a clone
was made from (`git clone . /tmp/fresh`), or wherever QA_SHARED says."""
import subprocess

from eval.shared import shared_dir


def git(*args):
    subprocess.run(["git", *args], check=True, capture_output=True)


def test_a_clone_made_elsewhere_finds_shared_beside_the_checkout_it_came_from(tmp_path):
    (tmp_path / "work" / "shared").mkdir(parents=True)
    main = tmp_path / "work" / "main"
    git("init", "-q", str(main))
    clone = tmp_path / "elsewhere" / "fresh"
    git("clone", "-q", str(main), str(clone))
    assert shared_dir(main, {}) == tmp_path / "work" / "shared"
    assert shared_dir(clone, {}) == (tmp_path / "work" / "shared").resolve()


def test_qa_shared_wins_and_without_any_the_answer_is_beside_the_project(tmp_path):
    lone = tmp_path / "lone" / "project"
    lone.mkdir(parents=True)
    assert shared_dir(lone, {"QA_SHARED": "/data/shared"}).as_posix() == "/data/shared"
    assert shared_dir(lone, {}) == tmp_path / "lone" / "shared"  # named in the message of a test that needs it
