"""What a `SupportAgent` runs on, in one typed object.

The composition root (`agent.wiring.runtime.open_agent`) builds it once; the draft preview
(`preview_of`) reuses the same object with another catalog source, so a new dependency is added
in one place instead of in every constructor call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph

from agent.catalog.retrieval import ActionRetriever
from agent.state import Limits
from storage.actions import ActionStore
from storage.ledger import CallLedger
from storage.secrets import SecretStore
from storage.session_lock import SessionLocks
from storage.traces import TraceStore
from tools.executor import ActionExecutor


@dataclass(frozen=True, slots=True)
class AgentDependencies:
    graph: CompiledStateGraph[Any, Any, Any, Any]
    """The compiled graph with its checkpointer (`agent.graph.compile_graph`)."""
    model: BaseChatModel
    """The chat model every node asks."""
    executor: ActionExecutor
    """The one outbound chokepoint; its secret source also gives the trace redactor."""
    store: ActionStore
    """The stored action definitions the live catalog follows."""
    traces: TraceStore
    """Where each turn's (redacted) trace and the session list go."""
    ledger: CallLedger | None = None
    """Reserve-before-send record of calls (crash safety, limits across instances)."""
    secrets: SecretStore | None = None
    """The secret store (the entry points manage secrets through it)."""
    session_locks: SessionLocks | None = None
    """One turn of a session at a time across processes and instances; None: this process only."""
    unsaved_dir: Path | None = None
    """Where traces the database cannot take wait on disk (`agent.turns.unsaved`); None: memory only."""
    limits: Limits = field(default_factory=Limits)
    """Per-turn and per-session limits."""
    retriever: ActionRetriever | None = None
    """Action retrieval (semantic when built with an embedding model); None: lexical."""
    model_label: str = ""
    """The model's name as the UI and traces show it."""
    is_offline: bool = False
    """The built-in offline model is in use (the UI says so)."""
