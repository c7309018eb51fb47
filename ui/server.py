"""Start the web UI: one shared Assistant (model + index loaded once), Gradio bound to 127.0.0.1 by default."""
from __future__ import annotations

import os
import sys

# Requests waiting beyond this are refused with Gradio's "queue is full" message instead of piling up
# (QA_QUEUE_SIZE overrides it).
QUEUE_MAX_SIZE = int(os.environ.get("QA_QUEUE_SIZE", "64"))
# Answers run this many at a time (QA_CONCURRENCY overrides it); the model and index are shared read-only, so
# threads are safe, and more than the machine's cores would only make each answer slower.
CONCURRENCY = int(os.environ.get("QA_CONCURRENCY", "2"))


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:password' (from --auth or QA_AUTH) -> (user, password); None when unset."""
    value = value or os.environ.get("QA_AUTH")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth must look like user:password (both parts non-empty)")
    return user, password


def exposure_warning(host: str, auth) -> str | None:
    """A warning when the UI is reachable from other machines, or None on loopback."""
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    return (f"warning: serving on {host}: anyone who can reach this machine can use the assistant"
            + ("" if auth else "; protect it with --auth user:password or QA_AUTH"))


def serve(args) -> int:
    from retriever.service import make_assistant, user_errors
    from ui.blocks import build_ui, launch_options

    try:
        auth = parse_auth(args.auth)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    warning = exposure_warning(args.host, auth)
    if warning:
        print(warning, file=sys.stderr)
    try:
        assistant = make_assistant(args.docs, args.index, args.model, getattr(args, "store", None))
        assistant.index  # build or load before the first user arrives; a bad folder stops here, in plain words
        assistant.embedder.encode_queries(["warm-up"])  # load the model now, not during the first user's question
    except user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from index.documents import max_upload_bytes
    from ui.access import write_access

    demo = build_ui(assistant, writes=write_access(args.host, auth, getattr(args, "read_only", False)))
    demo.queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=CONCURRENCY)
    print(f"Serving on http://{args.host}:{args.port} (model {assistant.model})", file=sys.stderr)
    demo.launch(server_name=args.host, server_port=args.port, share=False, show_error=False, auth=auth,
                quiet=True, max_file_size=max_upload_bytes(), **launch_options())
    return 0
