"""What the turn benchmarks share: the machine record, result files, the scripted zero-latency
model, the demo API (in a thread, or in its own process with added latency), our agent (bare
graph or full service) and the peer (`langchain.agents.create_agent` over the same executor).

    .venv/bin/python -m benchmarks.common --serve PORT [--latency-ms 50]   # the demo API alone
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool

RESULTS = Path(__file__).parent / "results"
DEMO_ACTIONS = Path(__file__).resolve().parents[1] / "demo" / "actions.json"
DEMO_BASE = "http://127.0.0.1:8765"
TOKEN = "bench-token"

ACTION = "installation_status"
"""The action every action turn calls: a GET (no confirmation), text answer, one input."""
ACTION_MESSAGE = "What is the status of my installation request INS-{n}?"
PLAIN_MESSAGE = "Thanks, that is all I needed."
CHAINED_MESSAGE = "What is the status of INS-{n} and, after that, of INS-{m}?"


# -- results -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from benchmarks.compile import machine as compile_machine

    return compile_machine()


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def write_result(name: str, result: dict[str, Any], path: Path | None = None, *, quick: bool = False) -> Path:
    """Write to `path`, or `results/NAME.json` (`results/quick/NAME.json` for a smoke run)."""
    path = path or (RESULTS / "quick" if quick else RESULTS) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def header(result: dict[str, Any]) -> str:
    box = result["machine"]
    return (
        f"{result['date']}  {box['platform']}  Python {box['python']}  "
        f"{box['cpu_count']} CPUs  load {box['load_average_1m']}"
    )


def table(rows: Sequence[Sequence[Any]]) -> str:
    """Plain-text table: the first row is the header; first column left, others right."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))
        )
        for r in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": round(statistics.median(ms), 3),
        "p95": round(percentile(ms, 95), 3),
        "mean": round(statistics.fmean(ms), 3),
    }


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


# -- the model -----------------------------------------------------------------------------------


class BenchModel(BaseChatModel):
    """A zero-latency scripted model, the same for our agent and the peer.

    With tools bound and a customer message naming installation requests (INS-1234), it calls
    `installation_status`, one lookup per model call, until every id the message names has a
    result; then (and for a plain message) it answers with one short sentence. Its replies
    depend only on the messages it is given, so any number of sessions can share it; `calls`
    only counts them.
    """

    calls: int = 0
    """Model calls answered so far: a count for the reports, never read by a reply."""

    @property
    def _llm_type(self) -> str:
        return "benchmark-scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kw: Any) -> Runnable:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kw)

    def _reply(self, messages: list[BaseMessage], kwargs: dict) -> AIMessage:
        self.calls += 1
        names = {t["function"]["name"] for t in kwargs.get("tools") or ()}
        last = messages[-1] if messages else None
        if ACTION in names and isinstance(last, HumanMessage):
            # our agent: the customer's message is last, whether picking or presenting; the
            # results it presents are in the final call's system prompt
            system = " ".join(m.text for m in messages if isinstance(m, SystemMessage))
            lookup = _next_lookup(last.text, done=system.count("<api_result action="))
            if lookup:
                return lookup
        if ACTION in names and isinstance(last, ToolMessage):
            # the peer's loop: the tool results since the customer's latest message are last
            asked = next(i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage))
            done = sum(isinstance(m, ToolMessage) for m in messages[asked + 1 :])
            lookup = _next_lookup(messages[asked].text, done=done)
            if lookup:
                return lookup
        if isinstance(last, ToolMessage):
            return AIMessage("Your installation request is scheduled; details above.")
        return AIMessage("Here is what I found.")

    def _generate(self, messages, stop=None, run_manager=None, **kw):
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages, kw))])

    async def _agenerate(self, messages, stop=None, run_manager=None, **kw):
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages, kw))])


def _next_lookup(text: str, *, done: int) -> AIMessage | None:
    """The call for the next installation request `text` names after the first `done` ones
    (which have results), or None when every one has."""
    wanted = re.findall(r"INS-\d{4}", text)
    if done >= len(wanted):
        return None
    call = {"name": ACTION, "args": {"request_id": wanted[done]}, "id": f"call_{time.perf_counter_ns()}"}
    return AIMessage("", tool_calls=[call])


def action_message(i: int) -> str:
    return ACTION_MESSAGE.format(n=2001 + i % 6)


def chained_message(i: int) -> str:
    """Two lookups, the second chained after the first result (three model calls)."""
    return CHAINED_MESSAGE.format(n=2001 + i % 6, m=2001 + (i + 1) % 6)


# -- the demo API ------------------------------------------------------------------------------


def latency_app(latency_ms: float = 0.0):
    """The demo API, each request delayed by `latency_ms` (an ASGI wrapper; no busy waiting)."""
    from demo.api import create_app

    return _delayed(create_app(token=TOKEN), latency_ms)


def _delayed(app, latency_ms: float):
    if not latency_ms:
        return app

    async def delayed(scope, receive, send):
        if scope["type"] == "http":
            await asyncio.sleep(latency_ms / 1000)
        await app(scope, receive, send)

    return delayed


@contextlib.contextmanager
def demo_api_thread(latency_ms: float = 0.0) -> Iterator[str]:
    """The demo API in a thread of this process (as the tests run it); yields its base URL."""
    with demo_api_logged(latency_ms) as (base_url, _):
        yield base_url


@contextlib.contextmanager
def demo_api_logged(latency_ms: float = 0.0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The demo API in a thread, with its request log: every request that reached it, in order
    (what counts the API calls a turn really made)."""
    from demo.api import create_app
    from tests.support.servers import serve

    app = create_app(token=TOKEN)
    with serve(_delayed(app, latency_ms)) as base_url:
        yield base_url, app.state.request_log


@contextlib.contextmanager
def demo_api_process(latency_ms: float = 0.0) -> Iterator[str]:
    """The demo API in its own process, so its CPU is not counted against the agent's."""
    from tests.support.servers import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.common", "--serve", str(port), "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1])
    base_url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the demo API process did not start")
            time.sleep(0.05)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def demo_actions(base_url: str) -> list[dict[str, Any]]:
    return json.loads(DEMO_ACTIONS.read_text().replace(DEMO_BASE, base_url))


def host_of(base_url: str) -> str:
    return base_url.split("://", 1)[1]


# -- the agents under test ---------------------------------------------------------------------


def make_executor(base_url: str):
    from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets

    settings = ExecutorSettings(allow_hosts=(host_of(base_url),), backoff_seconds=0.01)
    return ActionExecutor(settings, StaticSecrets({"DEMO_API_TOKEN": TOKEN}))


def demo_definitions(base_url: str):
    from tools.validation import validate_catalog

    return validate_catalog(demo_actions(base_url))


@dataclass
class BareGraph:
    """Our compiled graph run directly (`ainvoke`) with the same context the service builds."""

    graph: Any
    context: Any

    async def turn(self, session: str, text: str) -> dict[str, Any]:
        from langchain_core.messages import HumanMessage as Human

        config = {"configurable": {"thread_id": session}, "recursion_limit": 40}
        return await self.graph.ainvoke(
            {"messages": [Human(text)], "channel": "chat"}, config, context=self.context
        )


def bare_graph(base_url: str, executor, checkpointer, *, model=None, limits=None) -> BareGraph:
    from agent.catalog.retrieval import ActionRetriever
    from agent.graph import compile_graph
    from agent.state import AgentContext, Limits
    from tools.compiler import ActionCatalog

    catalog = ActionCatalog()
    catalog.sync(demo_definitions(base_url))
    context = AgentContext(
        model=model or BenchModel(),
        catalog=catalog,
        executor=executor,
        limits=limits or Limits(),
        retriever=ActionRetriever(),
    )
    return BareGraph(compile_graph(checkpointer), context)


@contextlib.asynccontextmanager
async def service(
    base_url: str,
    checkpointer,
    *,
    model=None,
    limits=None,
    data_dir: Path | None = None,
    database_url: str | None = None,
    secret_key: str | None = None,
    seed: bool = True,
) -> AsyncIterator[Any]:
    """The full `SupportAgent` as the app runs it: storage (actions, secrets, traces, ledger) on
    SQLite in a temporary folder, or on `database_url` (PostgreSQL), one pooled executor,
    `checkpointer` for the graph (None: the app's own, on `database_url` when given).

    Several processes can share one database: `seed_storage` it once, then open each with the
    same `secret_key` and `seed=False`."""
    from agent.wiring.runtime import open_agent, open_stores
    from tools.executor import ExecutorSettings

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(base_url, data_dir or Path(tmp), database_url, secret_key)
        stores = open_stores(settings)
        if seed:
            _seed(stores, base_url)
        async with open_agent(
            settings,
            model=model or BenchModel(),
            model_label="benchmark model",
            stores=stores,
            executor_settings=ExecutorSettings(allow_hosts=(host_of(base_url),)),
            limits=limits,
            checkpointer=checkpointer,
        ) as agent:
            yield agent
        stores.engine.dispose()


def seed_storage(base_url: str, database_url: str, secret_key: str) -> None:
    """Store the demo actions and the API token in `database_url` once, for services opened on
    it with `secret_key` and `seed=False`."""
    from agent.wiring.runtime import open_stores

    with tempfile.TemporaryDirectory() as tmp:
        stores = open_stores(_settings(base_url, Path(tmp), database_url, secret_key))
        _seed(stores, base_url)
        stores.engine.dispose()


def _settings(base_url: str, data_dir: Path, database_url: str | None, secret_key: str | None):
    from cryptography.fernet import Fernet

    from agent.wiring.settings import Settings

    # database_url=None: SQLite in the folder, even where DATABASE_URL is set
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        allow_hosts=(host_of(base_url),),
        secret_key=secret_key or Fernet.generate_key().decode(),
    )


def _seed(stores, base_url: str) -> None:
    from agent.editing import CatalogEditor

    stores.secrets.set("DEMO_API_TOKEN", TOKEN)
    CatalogEditor(stores.actions).apply_import(demo_actions(base_url))


@dataclass
class Peer:
    """`langchain.agents.create_agent` with one StructuredTool per action over the same executor."""

    graph: Any
    failures: list[str]
    """Summaries of calls whose outcome was not ok."""

    async def turn(self, session: str, text: str) -> dict[str, Any]:
        config = {"configurable": {"thread_id": session}, "recursion_limit": 40}
        return await self.graph.ainvoke({"messages": [HumanMessage(text)]}, config)


def peer_tools(definitions, executor, failures: list[str] | None = None) -> list[StructuredTool]:
    from tools.compiler import compile_action

    tools = []
    for definition in definitions:
        compiled = compile_action(definition)  # only for its JSON-schema args

        async def run(_definition=definition, **arguments: Any) -> str:
            outcome = await executor.execute(_definition, arguments)
            if not outcome.ok and failures is not None:
                failures.append(outcome.summary)
            return json.dumps(outcome.data if outcome.ok else outcome.summary, default=str)

        tools.append(
            StructuredTool(
                name=definition.name,
                description=definition.trigger,
                args_schema=compiled.parameters,
                coroutine=run,
            )
        )
    return tools


def peer(base_url: str, executor, checkpointer, *, model=None) -> Peer:
    from langchain.agents import create_agent

    failures: list[str] = []
    tools = peer_tools(demo_definitions(base_url), executor, failures)
    return Peer(create_agent(model or BenchModel(), tools=tools, checkpointer=checkpointer), failures)


# -- serving the demo API on its own -------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the demo API (benchmarks use this).")
    parser.add_argument("--serve", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        latency_app(args.latency_ms), host="127.0.0.1", port=args.serve, log_level="warning", backlog=4096
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


POSTGRES_BENCH_URL = os.environ.get("DATABASE_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""The PostgreSQL server a benchmark uses (a fresh schema each run, dropped afterwards)."""


def postgres_schema() -> contextlib.AbstractContextManager[str]:
    """A URL on `POSTGRES_BENCH_URL` whose connections use a fresh schema, dropped afterwards."""
    from storage.db import fresh_postgres_schema

    return fresh_postgres_schema(POSTGRES_BENCH_URL, prefix="bench")
