"""A command ends within `FLUSH_SECONDS` of its work even when LangSmith does not answer.

LangSmith sends traces from a background thread; at exit the interpreter waits for that thread,
and with an endpoint that accepts connections but never answers each batch waits for its read
timeout (10 s) and its retries: minutes before the shell gets its prompt back. So the command line
makes the client's threads daemons (`LANGSMITH_USE_DAEMON`, read when the client is first made,
which is why `prepare` runs before any command), then gives the queue at most `FLUSH_SECONDS` to
drain and says on standard error when traces were left unsent.
"""

from __future__ import annotations

import os
import sys

FLUSH_SECONDS = 3.0
"""How long a finished command waits for LangSmith to take its traces."""


def prepare() -> None:
    """Before any command: LangSmith's sender threads must not hold the process at exit."""
    os.environ.setdefault("LANGSMITH_USE_DAEMON", "true")


def flush(timeout: float = FLUSH_SECONDS) -> bool:
    """Wait at most `timeout` seconds for the queued traces to be sent; False when some were not."""
    run_trees = sys.modules.get("langsmith.run_trees")
    client = getattr(run_trees, "_CLIENT", None) if run_trees is not None else None
    if client is None:  # nothing was traced in this process
        return True
    client.flush(timeout=timeout)
    queue = client.tracing_queue
    sent = queue is None or queue.unfinished_tasks == 0
    if not sent:
        print(
            f"note: LangSmith did not take the traces within {timeout:g} s "
            "(is LANGSMITH_ENDPOINT reachable?); they were not sent",
            file=sys.stderr,
        )
    return sent
