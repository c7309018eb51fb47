"""The Gradio Blocks of the UI. Handlers are plain functions of the shared Assistant."""
from __future__ import annotations

import gradio as gr


def build_ui(assistant) -> gr.Blocks:
    from app import format_answer

    def ask(question):
        try:
            return format_answer(assistant.ask(question))
        except ValueError as e:
            raise gr.Error(str(e)) from e

    with gr.Blocks(title="Grounded Q&A", analytics_enabled=False) as demo:
        question = gr.Textbox(label="Question")
        answer = gr.Textbox(label="Answer", lines=12)
        question.submit(ask, question, answer)
    return demo
