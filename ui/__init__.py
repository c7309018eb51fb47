"""The Gradio web UI (served by `python app.py`)."""
