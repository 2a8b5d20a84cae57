"""The support agent on LangGraph Server: the graph factory `langgraph.json` names.

`langgraph dev` and a LangGraph Server deployment load `agent.serve.langgraph_server:make_graph`. The
server owns the checkpointer (threads) and the store; this module supplies what a run needs
and nothing else. Settings come from the environment as everywhere else (`DATABASE_URL`,
`ACTIONS_DATA_DIR`, `ACTIONS_SECRET_KEY`, `ACTIONS_ALLOW_HOSTS`, `OPENAI_*`).

How the run-time dependencies reach a run. The nodes read them from LangGraph context
(`AgentContext`: model, catalog, executor, ledger, limits). A server run receives the JSON
`context` of its request (`{}` when the client sends none), and LangGraph coerces a dict into
the graph's `context_schema`. For runs, the factory compiles the graph with a subclass of
`AgentContext` whose fields all default to this worker's dependencies and take no arguments:
`{}` becomes the full context, and a client cannot swap the model, the catalog or the executor.
A run whose request sends a context, or `config.configurable` keys (the server makes those the
run's context when no context is sent), fails before it starts with `RunContextRefused`, a
sentence that names the keys (its message is the run's error as the client sees it; without the
check LangGraph's coercion ends the run in a bare `TypeError`). Before each run the catalog is refreshed from storage
(`ActionStore.revision`), so an edit saved in the app is used by the server's next run.

The dependencies are made on the first run of each event loop (the server may run workers on
isolated loops, and an HTTP client belongs to one loop), never at import time: the module is the
server's entry point, and `GraphFactory` is its composition root. They live as long as the
server process. Introspection and state reads (`assistants.read`, `threads.read`,
`threads.update`, the schemas Studio draws its forms from) get the same topology without
building anything, and with `ClientContext` as the context schema: what a client may send, in
a form JSON Schema can describe (the run's own schema holds a chat model and an executor, which
it cannot, and the server logged a warning for the context and the config schema each time).

What stays with the app, not the server: per-turn traces in `storage.traces` and the
`SupportAgent` events; on the server, runs and their streams are the record (and LangSmith).
"""

import asyncio
import dataclasses
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from langgraph_sdk.runtime import ServerRuntime
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.graph import CompiledAgentGraph, build_graph
from agent.state import AgentContext, Limits
from agent.wiring.llm import ModelChoice, check_chat_model, make_chat_model
from agent.wiring.runtime import LiveCatalog, Stores, make_executor, open_stores
from agent.wiring.settings import Settings

GRAPH_NAME = "support_agent"


class ClientContext(BaseModel):
    """The context a client may send with a run: nothing. The model, the catalog, the executor,
    the ledger and the limits are this server's own (see the module docstring); a run that
    sends any of them is refused."""

    model_config = ConfigDict(extra="forbid", title="SupportAgentContext")


MAX_NAMED_KEYS = 10
"""How many of a refused context's keys the error names."""


class RunContextRefused(ValueError):
    """A run sent a context this server does not take (`ClientContext`). A `ValueError`, so that
    LangGraph Server passes its message to the client as the run's error."""


def check_client_context(context: object) -> None:
    """Refuse, in one sentence, a run context `ClientContext` does not accept (`{}` or none is
    fine)."""
    if context is None:
        return
    try:
        ClientContext.model_validate(context)
    except ValidationError:
        pass
    else:
        return
    if isinstance(context, dict):
        keys = [repr(str(k))[:60] for k in context]
        named = ", ".join(keys[:MAX_NAMED_KEYS]) + (
            f" and {len(keys) - MAX_NAMED_KEYS} more" if len(keys) > MAX_NAMED_KEYS else ""
        )
        got = f"it got {named}"
    else:
        got = f"it got a {type(context).__name__}, not an object"
    raise RunContextRefused(
        f"This server takes no run context; {got}. The model, the actions, the executor, the "
        "ledger and the limits are the server's own: send the run without `context` and "
        "without `config.configurable` keys."
    )


def bound_context_schema(deps: AgentContext) -> type[AgentContext]:
    """An `AgentContext` subclass whose every field defaults to `deps` and is not an argument."""
    fields = [
        (f.name, f.type, dataclasses.field(init=False, default_factory=partial(getattr, deps, f.name)))
        for f in dataclasses.fields(AgentContext)
    ]
    return dataclasses.make_dataclass("ServerAgentContext", fields, bases=(AgentContext,))


def compile_server_graph(
    context_schema: type[AgentContext] | type[ClientContext] | None = None,
) -> CompiledAgentGraph:
    """`build_graph()` compiled without a checkpointer: the server attaches its own. The context
    schema is the run's (`bound_context_schema`) or, for introspection, `ClientContext`."""
    builder = build_graph()
    if context_schema is not None:
        builder.context_schema = context_schema  # type: ignore[assignment]  # introspection only
    return builder.compile(name=GRAPH_NAME)


@dataclass
class WorkerDependencies:
    """Everything one event loop's runs share."""

    stores: Stores
    live: LiveCatalog
    graph: CompiledAgentGraph
    """Compiled with the bound context schema."""
    choice: ModelChoice
    """The chat model, checked with its server before the first run that uses it."""
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    """Serialises catalog refreshes (they run in a thread)."""
    model_checked: bool = False

    async def checked(self) -> None:
        """Fail the run with the model's setup problem (one sentence) until the check passes."""
        if not self.model_checked:
            await check_chat_model(self.choice)
            self.model_checked = True

    async def refreshed(self) -> CompiledAgentGraph:
        async with self.lock:
            await asyncio.to_thread(self.live.refresh)
        return self.graph


class GraphFactory:
    """Builds the served graph; one per server process, dependencies one per event loop."""

    def __init__(self, settings: Callable[[], Settings] = Settings.from_env, *, limits: Limits | None = None):
        self._settings = settings
        self._limits = limits
        self._read_graph: CompiledAgentGraph | None = None
        self._workers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WorkerDependencies]
        self._workers = weakref.WeakKeyDictionary()
        self._building = threading.Lock()  # concurrent first runs build once

    def read_graph(self) -> CompiledAgentGraph:
        """For introspection and state reads: the same topology, no dependencies."""
        if self._read_graph is None:
            self._read_graph = compile_server_graph(ClientContext)
        return self._read_graph

    async def run_graph(self) -> CompiledAgentGraph:
        """For a run: the graph bound to this loop's dependencies, catalog fresh from storage."""
        loop = asyncio.get_running_loop()
        worker = self._workers.get(loop)
        if worker is None:
            worker = await asyncio.to_thread(self._build_once, loop)
        await worker.checked()
        return await worker.refreshed()

    def _build_once(self, loop: asyncio.AbstractEventLoop) -> WorkerDependencies:
        with self._building:
            worker = self._workers.get(loop)
            if worker is None:
                worker = self._workers[loop] = self._build()
            return worker

    def _build(self) -> WorkerDependencies:
        settings = self._settings()
        choice = make_chat_model(settings)
        stores = open_stores(settings)
        executor = make_executor(settings, stores.secrets, auth=stores.auth)
        live = LiveCatalog(stores.actions)
        deps = AgentContext(
            model=choice.model,
            catalog=live.catalog,
            executor=executor,
            ledger=stores.ledger,
            limits=self._limits or settings.limits(),
        )
        graph = compile_server_graph(bound_context_schema(deps))
        return WorkerDependencies(stores, live, graph, choice)


_factory = GraphFactory()  # holds nothing until the first run


async def make_graph(runtime: ServerRuntime) -> CompiledAgentGraph:
    """The LangGraph Server graph factory (see langgraph.json)."""
    execution = runtime.execution_runtime
    if execution is None:
        return _factory.read_graph()
    check_client_context(execution.context)
    return await _factory.run_graph()
