"""The served app: many concurrent users, the file-access boundary, auth, the queue limit, offline defaults."""
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import PROJECT
from serve import running_app
from ui.server import exposure_warning, parse_auth

pytestmark = pytest.mark.integration

QUESTIONS = [
    "Which country is co-developing the fighter jet with Japan and the UK?",
    "Where was the economic security declaration signed?",
    "What do both documents say about economic coercion?",
    "What is the population of Tokyo?",
    "What does POWER Asia stand for?",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    with running_app(tmp / "index", tmp / "server.log") as url:
        yield url, tmp / "index"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def test_fifty_questions_from_ten_concurrent_clients_match_the_cli(server, seeds_assistant):
    from gradio_client import Client

    from retriever.output import answer_to_json

    url, _ = server
    expected = {q: answer_to_json(seeds_assistant.ask(q)) for q in QUESTIONS}

    def client_session(n):
        client = Client(url, verbose=False)
        out = []
        for i in range(5):
            q = QUESTIONS[(n + i) % len(QUESTIONS)]
            t0 = time.perf_counter()
            a = client.predict(q, 5, "hybrid", api_name="/answer")
            out.append((q, a, (time.perf_counter() - t0) * 1000))
        return out

    with cf.ThreadPoolExecutor(10) as pool:
        results = [r for batch in pool.map(client_session, range(10)) for r in batch]
    assert len(results) == 50
    for q, a, _ in results:
        assert (a["answered"], a["answer"], a["citations"]) == (
            expected[q]["answered"], expected[q]["answer"], expected[q]["citations"])
    latencies = sorted(ms for _, _, ms in results)
    print(f"\n50 answers from 10 concurrent clients: p50 {latencies[24]:.0f} ms, p95 {latencies[47]:.0f} ms")


TRAVERSALS = [
    "file=/etc/passwd", "gradio_api/file=/etc/passwd", "gradio_api/file=%2Fetc%2Fpasswd",
    "gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd", "gradio_api/file=../../../../etc/passwd",
    "static/../../../../etc/passwd", "static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "gradio_api/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "assets/..%2F..%2F..%2Fetc%2Fpasswd",
    "file=app.py", "gradio_api/file=app.py", f"gradio_api/file={PROJECT}/app.py",
    f"gradio_api/file={PROJECT}/seeds/003_34a20148922fa9fb.txt", "gradio_api/file=README.md",
    "gradio_api/file=requirements.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_file_routes_refuse_files_outside_what_the_app_serves(server, path):
    url, index = server
    status, body = get(url + path)
    assert status in (400, 403, 404), f"{path} answered {status}"
    assert "root:" not in body and "def main" not in body and "Signed in duplicate" not in body


def test_index_folder_is_not_served(server):
    url, index = server
    status, body = get(f"{url}gradio_api/file={index.resolve()}/manifest.json")
    assert status in (403, 404) and "weights_sha256" not in body


def test_a_file_reference_passed_as_a_value_is_not_read(server):
    url, _ = server
    payload = {"data": [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, 5, "hybrid"]}
    req = urllib.request.Request(f"{url}gradio_api/call/answer", data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            event_id = json.loads(r.read())["event_id"]
        _, body = get(f"{url}gradio_api/call/answer/{event_id}")
    except urllib.error.HTTPError as e:
        body = f"refused {e.code}: {e.read().decode()}"
    assert body.startswith(("event: error", "refused 4")) and "root:" not in body


@pytest.mark.parametrize("path", ["gradio_api/flag", "flag", "gradio_api/api/flag"])
def test_there_is_no_flagging_endpoint(server, path):
    url, _ = server
    body = json.dumps({"data": ["/etc/passwd"], "fn_index": 0}).encode()
    req = urllib.request.Request(url + path, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    assert status >= 400 and "root:" not in text


def test_question_length_is_capped_on_the_server_for_api_clients(server):
    from gradio_client import Client

    url, _ = server
    a = Client(url, verbose=False).predict("harbour " * 2500, 5, "hybrid", api_name="/answer")
    assert len(a["question"]) == 2000 and a["notes"] == ["The question was cut to its first 2000 characters."]


def test_auth_protects_the_ui_and_the_api(tmp_path):
    from gradio_client import Client

    with running_app(tmp_path / "index", tmp_path / "log", "--auth", "ana:secret") as url:
        status, _ = get(f"{url}gradio_api/info")
        assert status == 401
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("What does POWER Asia stand for?", api_name="/answer")
        a = Client(url, auth=("ana", "secret"), verbose=False).predict("What does POWER Asia stand for?",
                                                                       api_name="/answer")
        assert a["answered"]


def test_a_full_queue_refuses_with_a_clear_message(tmp_path):
    """With one worker and room for one waiting job, a burst of slow jobs (the evaluation run, several
    seconds each) must see some refused with Gradio's queue-full message and none lost silently."""
    from gradio_client import Client

    env = {"QA_QUEUE_SIZE": "1", "QA_CONCURRENCY": "1"}
    with running_app(tmp_path / "index", tmp_path / "log", env=env) as url:
        client = Client(url, verbose=False)
        jobs = [client.submit(api_name="/run_evaluation") for _ in range(5)]
        outcomes = []
        for job in jobs:
            try:
                job.result(timeout=300)
                outcomes.append("done")
            except Exception as e:  # noqa: BLE001 - the refusal is what this test is about
                outcomes.append(str(e))
    assert "done" in outcomes
    assert any("Queue is full" in o for o in outcomes), outcomes
    assert all(o == "done" or "Queue is full" in o for o in outcomes), outcomes


def test_exposure_warning_and_auth_parsing():
    assert exposure_warning("127.0.0.1", None) is None
    assert "protect it with --auth" in exposure_warning("0.0.0.0", None)
    assert "protect it" not in exposure_warning("0.0.0.0", ("a", "b"))
    assert parse_auth("ana:se:cret") == ("ana", "se:cret")
    with pytest.raises(ValueError, match="user:password"):
        parse_auth("ana")


def test_the_app_sets_offline_and_no_analytics_itself():
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED")}
    out = subprocess.run([sys.executable, "-c", "import app, os; print(os.environ['HF_HUB_OFFLINE'], "
                          "os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['TRANSFORMERS_OFFLINE'])"],
                         cwd=PROJECT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["1", "False", "1"]
