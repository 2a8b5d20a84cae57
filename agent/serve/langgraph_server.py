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
`{}` becomes the full context, and a client cannot swap the model, the catalog or the executor
(a request that tries fails). Before each run the catalog is refreshed from storage
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
from pydantic import BaseModel, ConfigDict

from agent.graph import CompiledAgentGraph, build_graph
from agent.state import AgentContext, Limits
from agent.wiring.compatible_openai import compatible
from agent.wiring.llm import make_chat_model
from agent.wiring.runtime import LiveCatalog, Stores, make_executor, open_stores
from agent.wiring.settings import Settings

GRAPH_NAME = "support_agent"


class ClientContext(BaseModel):
    """The context a client may send with a run: nothing. The model, the catalog, the executor,
    the ledger and the limits are this server's own (see the module docstring); a run that
    sends any of them is refused."""

    model_config = ConfigDict(extra="forbid", title="SupportAgentContext")


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
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    """Serialises catalog refreshes (they run in a thread)."""

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
        return await worker.refreshed()

    def _build_once(self, loop: asyncio.AbstractEventLoop) -> WorkerDependencies:
        with self._building:
            worker = self._workers.get(loop)
            if worker is None:
                worker = self._workers[loop] = self._build()
            return worker

    def _build(self) -> WorkerDependencies:
        settings = self._settings()
        stores = open_stores(settings)
        choice = make_chat_model(settings)
        executor = make_executor(settings, stores.secrets, auth=stores.auth)
        live = LiveCatalog(stores.actions)
        deps = AgentContext(
            model=compatible(choice.model),
            catalog=live.catalog,
            executor=executor,
            ledger=stores.ledger,
            limits=self._limits or Limits(),
        )
        graph = compile_server_graph(bound_context_schema(deps))
        return WorkerDependencies(stores, live, graph)


_factory = GraphFactory()  # holds nothing until the first run


async def make_graph(runtime: ServerRuntime) -> CompiledAgentGraph:
    """The LangGraph Server graph factory (see langgraph.json)."""
    if runtime.execution_runtime is None:
        return _factory.read_graph()
    return await _factory.run_graph()
