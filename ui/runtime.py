"""The support agent behind the app: one per process, living on its own event-loop thread.

The agent is async (LangGraph, httpx, the async checkpointer) while a Streamlit script is sync
and re-runs on every click. So the agent is opened once inside a background loop thread and the
script hands it coroutines through `AgentRuntime.run`: async first, wrapped once for sync, here.

The app asks `current_runtime()` for it. Normally that is the process-wide runtime made from
`Settings.from_env()` (cached with `st.cache_resource`); a test may instead put a runtime it built
with its own dependencies (a scripted model, a temporary data dir) into
`st.session_state[RUNTIME_KEY]` before the first run.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import streamlit as st
from langchain_core.language_models import BaseChatModel

from agent.editing import CatalogEditor
from agent.turns.service import SupportAgent
from agent.wiring.access import AdminThrottle
from agent.wiring.llm import OFFLINE_LABEL, ModelSetupError
from agent.wiring.runtime import Stores, open_agent, open_stores, preview_of
from agent.wiring.settings import Settings
from tools.action import ActionDefinition
from tools.errors import NotFoundError
from tools.executor import ExecutorSettings

RUNTIME_KEY = "agent_runtime"
"""Session-state key under which a test injects its own `AgentRuntime`."""
START_TIMEOUT_SECONDS = 60.0
T = TypeVar("T")


class AgentRuntime:
    """A `SupportAgent`, its stores and settings, kept open on a background event loop."""

    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        *,
        model: BaseChatModel | None = None,
        model_label: str | None = None,
        executor_settings: ExecutorSettings | None = None,
        checkpointer: Any = None,
    ):
        self.settings = settings
        self.stores = stores
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=_run_until_stopped, args=(self._loop,), name="support-agent-loop", daemon=True
        )
        self._thread.start()
        ready: concurrent.futures.Future = concurrent.futures.Future()

        async def hold() -> None:
            async with open_agent(
                settings,
                model=model,
                model_label=model_label,
                stores=stores,
                executor_settings=executor_settings,
                checkpointer=checkpointer,
            ) as agent:
                release = asyncio.Event()
                ready.set_result((agent, release))
                await release.wait()

        self._holder = asyncio.run_coroutine_threadsafe(hold(), self._loop)
        concurrent.futures.wait(
            [ready, self._holder],
            timeout=START_TIMEOUT_SECONDS,
            return_when=concurrent.futures.FIRST_COMPLETED,
        )
        if not ready.done():
            self._stop_loop()
            if self._holder.done():
                self._holder.result()  # re-raise why the agent could not open
            raise TimeoutError("the support agent did not start in time")
        self.agent: SupportAgent
        self.agent, self._release = ready.result()
        self.editor = CatalogEditor(stores.actions)
        """Every change of the catalog goes through it (`agent.editing`)."""
        self.drafts = self.editor.drafts
        self.admin_throttle = AdminThrottle()
        """Wrong admin passwords per client, for every session of this process."""
        self._preview: SupportAgent | None = None
        self._preview_lock = threading.Lock()
        self.model_problem: str | None = None
        """Why the configured chat model could not be set up (one sentence), or None."""

    @property
    def preview(self) -> SupportAgent:
        """The same agent on the draft catalog, for the product team's preview chat.

        Made once, so its compiled catalog and per-session locks last across script runs.
        """
        with self._preview_lock:
            if self._preview is None:
                self._preview = preview_of(self.agent)
            return self._preview

    def definition(self, name: str, *, preview: bool = False) -> ActionDefinition | None:
        """The action `name` as a conversation's agent sees it: live, or with its draft applied
        while previewing; None when there is no such action (deleted since, or never made)."""
        if preview:
            return next((d for d in self.drafts.overlay() if d.name == name), None)
        try:
            return self.stores.actions.get(name).definition
        except NotFoundError:
            return None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the agent's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def close(self) -> None:
        """Close the agent (checkpointer, HTTP client) and stop the loop; safe to call twice."""
        if not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._release.set)
        try:
            self._holder.result(timeout=10)
        finally:
            self._stop_loop()
            self.stores.engine.dispose()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    @property
    def admin_password(self) -> str | None:
        password = self.settings.admin_password
        return password.get_secret_value() if password else None


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    """The agent's loop thread: run the loop until `_stop_loop`, then close it (its async
    generators and worker threads first), so nothing it holds is left to the garbage collector."""
    try:
        loop.run_forever()
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def start_runtime(settings: Settings, **dependencies: Any) -> AgentRuntime:
    """Open the stores and the agent for these settings; `dependencies` go to `AgentRuntime`.

    A chat model that cannot be set up does not stop the app: the runtime opens on the built-in
    offline model with `model_problem` set, the chat page shows the problem instead of a chat,
    and the editor, traces and run log work as usual.
    """
    given = dependencies.pop("stores", None)
    stores = given or open_stores(settings)
    try:
        try:
            return AgentRuntime(settings, stores, **dependencies)
        except ModelSetupError as problem:
            from agent.offline import OfflineChatModel

            offline = {**dependencies, "model": OfflineChatModel(), "model_label": OFFLINE_LABEL}
            runtime = AgentRuntime(settings, stores, **offline)
            runtime.model_problem = str(problem)
            return runtime
    except BaseException:
        if given is None:  # opened here: no runtime holds them to close them
            stores.engine.dispose()
        raise


@st.cache_resource(show_spinner="Starting the support agent...")
def shared_runtime() -> AgentRuntime:
    """The process-wide runtime, made from the environment on first use."""
    runtime = start_runtime(Settings.from_env())
    atexit.register(runtime.close)
    return runtime


def current_runtime() -> AgentRuntime:
    """The runtime injected into this session, else the process-wide one."""
    injected = st.session_state.get(RUNTIME_KEY)
    return injected if injected is not None else shared_runtime()
