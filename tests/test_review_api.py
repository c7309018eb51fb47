"""The /review API endpoint of the served app: the same JSON as `app.py review --json`, bad input refused."""
import pytest

from conftest import DECLARATION, STATEMENT
from serve import running_app

pytestmark = pytest.mark.integration


def test_review_endpoint_returns_one_cell_per_question_and_document_and_refuses_unknown_names(tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with running_app(tmp_path / "index", tmp_path / "server.log") as url:
        client = Client(url, verbose=False)
        data = client.predict(["What is said about UNCLOS?", "Who signed the declaration?"],
                              [STATEMENT, DECLARATION], api_name="/review")
        assert data["documents"] == [STATEMENT, DECLARATION] and data["index_built_at"]
        status = {(c["question"], c["doc"]): c["status"] for c in data["cells"]}
        assert status == {("What is said about UNCLOS?", STATEMENT): "stated",
                          ("What is said about UNCLOS?", DECLARATION): "not stated",
                          ("Who signed the declaration?", STATEMENT): "not stated",
                          ("Who signed the declaration?", DECLARATION): "stated"}
        with pytest.raises(AppError, match="unknown document 'nope.txt'"):
            client.predict(["What is said about UNCLOS?"], ["nope.txt"], api_name="/review")
        with pytest.raises(AppError, match="over the limit"):
            client.predict([f"question {i}?" for i in range(51)], None, api_name="/review")
