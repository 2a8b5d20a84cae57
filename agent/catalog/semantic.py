"""Semantic ranking of actions with an embedding model, fused with the lexical ranking.

Any OpenAI-compatible embeddings endpoint works (`langchain_openai.OpenAIEmbeddings`, made in
`agent.wiring.llm`); the ranker takes any LangChain `Embeddings`.

- An action's vector is computed once per version of what it is embedded from (name, title,
  trigger and test-conversation messages: `embedded_text`), keyed by that text's hash: a
  published or imported action is embedded when the catalog first holds it, an edit re-embeds
  that action only, and a `VectorStore` keeps the vectors across restarts so nothing is
  embedded twice. Nothing is embedded per turn except the customer's message, once per turn.
- Embedding can fail (the endpoint is down, a key is wrong): the turn then ranks lexically and
  the failure is returned as a note for the trace; the actions not yet embedded are tried
  again on a later turn.
- Rankings are fused by reciprocal rank (`fuse`): each ranking contributes 1 / (60 + rank),
  so neither score scale dominates and an action both rankings like comes first.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings

from agent.catalog.lexical import humanise_name

RRF_K = 60
"""Reciprocal rank fusion's constant (Cormack et al. 2009): damps the weight of the top ranks."""
MAX_QUERIES = 256
"""Customer messages whose vectors are remembered (the agent and respond nodes of one turn
rank the same message)."""
EMBED_BATCH = 256
"""Actions sent per embeddings request."""


class VectorStore(Protocol):
    """Where action vectors persist (`storage.action_vectors.ActionVectorStore`)."""

    def load(self, model: str) -> dict[str, tuple[str, list[float]]]:
        """Action name -> (text hash, vector) of every vector stored for `model`."""
        ...

    def save(self, model: str, vectors: dict[str, tuple[str, list[float]]]) -> None:
        """Store (replace) the vectors of these actions for `model`."""
        ...


def embedded_text(definition: Any) -> str:
    """What an action is embedded from: its name, title, trigger and example messages."""
    examples = [
        c.message for c in definition.test_conversations if c.expected_action in (None, definition.name)
    ]
    parts = [humanise_name(definition.name), definition.title or "", definition.trigger, *examples]
    return "\n".join(p for p in parts if p)


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion of several rankings (names, best first), each contributing
    1 / (`k` + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, name in enumerate(ranking, start=1):
            scores[name] = scores.get(name, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda n: (-scores[n], n))


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class SemanticRanker:
    """Action vectors kept in step with the catalog, and the customer's message ranked by them."""

    def __init__(self, embeddings: Embeddings, *, model: str = "", store: VectorStore | None = None):
        self.embeddings = embeddings
        self.model = model
        """The embedding model's name: vectors of another model are never mixed in."""
        self.store = store
        self._vectors: dict[str, tuple[str, list[float]]] = dict(store.load(model)) if store else {}
        self._wanted: dict[str, tuple[str, str]] = {}
        """Action -> (text hash, text) of the catalog's actions."""
        self._queries: dict[str, list[float]] = {}
        self.embedded = 0
        """Actions embedded by this process (a restart with a store embeds none again)."""

    def track(self, actions: Iterable[Any]) -> None:
        """Note the catalog's actions (called by the retriever when the catalog changes)."""
        wanted = {}
        for a in actions:
            text = embedded_text(a.definition)
            wanted[a.definition.name] = (text_hash(text), text)
        self._wanted = wanted
        for name in [n for n in self._vectors if n not in wanted]:
            del self._vectors[name]

    def missing(self) -> list[str]:
        """Actions whose current text has no vector yet."""
        return [n for n, (h, _) in self._wanted.items() if self._vectors.get(n, ("",))[0] != h]

    async def embed_actions(self) -> int:
        """Embed the actions that have no vector for their current text; how many were."""
        names = self.missing()
        for start in range(0, len(names), EMBED_BATCH):
            batch = names[start : start + EMBED_BATCH]
            vectors = await self.embeddings.aembed_documents([self._wanted[n][1] for n in batch])
            fresh = {n: (self._wanted[n][0], _unit(v)) for n, v in zip(batch, vectors, strict=True)}
            self._vectors.update(fresh)
            if self.store is not None:
                self.store.save(self.model, fresh)
            self.embedded += len(fresh)
        return len(names)

    async def prepare(self, query: str) -> str | None:
        """Embed what changed in the catalog and the customer's message; a note when that
        failed (the turn then ranks lexically), else None."""
        try:
            await self.embed_actions()
            if query not in self._queries:
                if len(self._queries) >= MAX_QUERIES:
                    self._queries.clear()
                self._queries[query] = _unit(await self.embeddings.aembed_query(query))
        except Exception as exc:  # any failure of the endpoint or the client: rank lexically
            return f"embedding failed ({type(exc).__name__}: {str(exc)[:200]}); ranked lexically"
        return None

    def ranked(self, query: str, limit: int) -> list[str]:
        """The `limit` actions nearest the (prepared) query, best first; [] when it was not
        embedded (the caller then ranks lexically)."""
        q = self._queries.get(query)
        if q is None:
            return []
        scored = []
        for name, (h, _) in self._wanted.items():
            held = self._vectors.get(name)
            if held is not None and held[0] == h:
                scored.append((sum(a * b for a, b in zip(q, held[1], strict=False)), name))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [name for _, name in scored[:limit]]
