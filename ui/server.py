"""Start the web UI: one shared Assistant (model + index loaded once), Gradio bound to 127.0.0.1 by default."""
from __future__ import annotations

import sys


def serve(args) -> int:
    from app import make_assistant, user_errors
    from ui.blocks import build_ui

    assistant = make_assistant(args.docs, args.index)
    try:
        assistant.index  # build or load before the first user arrives; a bad folder stops here, in plain words
    except user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    demo = build_ui(assistant)
    demo.queue().launch(server_name=args.host, server_port=args.port, share=False, show_error=False)
    return 0
