"""Which actions to bind for a turn: the whole catalog while it fits, the most relevant above.

Every bound tool costs the model prompt tokens on every turn (its name, trigger text and input
schema). While the allowed actions' tool definitions fit `Limits.tool_budget_tokens`, all of
them are bound and nothing is ranked: the model sees every action. Above the budget the agent
binds `Limits.top_k` actions: those whose name, trigger, test conversations and input
descriptions best match the customer's last message (and, at half weight, the one before it).

Lexical ranking is BM25 over the offline router's terms (`agent.catalog.lexical`: normalisation,
phrases, stemming, synonym groups, typo correction), plus a bonus when the message holds a
value matching one of the action's input patterns (INS-2001). An action's test conversations
are indexed with its trigger: the product team's example messages are evidence for it. With an
embedding model configured (`agent.catalog.semantic`), the lexical and the semantic rankings are fused
by reciprocal rank; an embedding failure falls back to the lexical ranking alone, with a note.

The index (`agent.catalog.index`) is updated one action at a time: a catalog change re-reads
only the new, edited or removed actions (by name, content hash and examples).

An action the conversation is already busy with (a pending call, or the last call made) is
always kept; the rest of the k slots go to the best matches, then to the other allowed actions
in catalog order, so min(k, allowed) actions are bound. Under a tool cap (`Limits.cap`: 20 with
the default settings) the look-alikes past the k-th that the lexical ranking cannot tell from it
are bound too (`tail`: matched by a word of the conversation and scoring within `TAIL_RATIO`
of the k-th), up to the cap less the search tool; a message no word of which matches the k-th
("hello") binds k. When nothing offered fits, the model may search the whole catalog once per
turn (`agent.catalog.search`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.catalog.index import ActionDoc, ActionIndex
from agent.catalog.lexical import DESCRIPTION_WEIGHT, NAME_WEIGHT, canonical, humanise_name, terms, words
from agent.catalog.related_words import RETRIEVAL_STOPWORDS
from agent.catalog.search_ranking import RANKING_DEPTH, SEARCH_RRF_K, SearchReader
from agent.catalog.semantic import SemanticRanker, fuse
from tools.action import ActionDefinition

BATCH = 100
"""More new actions than this in one catalog revision are indexed as a batch."""
MAX_SCHEMAS = 8192
"""Converted tool definitions kept (a few per action: old versions fall out on a clear)."""
PREVIOUS_MESSAGE_WEIGHT = 0.5
"""Weight of the customer's previous message: "it's INS-2001" continues the request before it."""
INPUT_WEIGHT = 0.2
"""Weight of an input's name and description: inputs recur across look-alike actions (an
order id, a dag id, a limit and an offset), so they say less about which action is meant than
the router's `PARAMETER_WEIGHT` assumes for its smaller catalogs."""
SEARCH_MESSAGE_WEIGHT = 0.5
"""Weight of the customer's last message in a catalog search, beside the model's query."""
TAIL_RATIO = 0.8
"""An action past the k-th whose lexical score is at least this share of the k-th's (both
matched by a word of the conversation) is bound too, up to the tool cap (`Limits.cap`): the
ranking cannot tell them apart."""
EXAMPLE_WEIGHT = 1.0
"""Weight of a test conversation's words: a customer's own phrasing, as strong as the trigger."""
CHARS_PER_TOKEN = 4
"""Tool-definition tokens are estimated from the JSON's length (OpenAI's rule of thumb for
English and JSON), so no tokenizer file is needed at run time."""


def examples_of(definition: ActionDefinition) -> tuple[str, ...]:
    """The messages of the action's test conversations that expect it."""
    return tuple(
        c.message for c in definition.test_conversations if c.expected_action in (None, definition.name)
    )


@lru_cache(maxsize=32768)
def field_terms(text: str) -> tuple[tuple[str, str], ...]:
    """(plain word, routing term) for each word of an action's field, stop words and numbers
    left out. Cached: input descriptions and short triggers recur across a catalog."""
    return tuple((w, canonical(w)) for w in words(text) if w not in RETRIEVAL_STOPWORDS and not w.isdigit())


def action_doc(definition: ActionDefinition) -> ActionDoc:
    weights: dict[str, float] = {}
    name = field_terms(name_text(definition.name))
    described = field_terms(split_compounds(f"{definition.title or ''} {definition.trigger}"))
    examples = field_terms(" . ".join(examples_of(definition)))
    # each input read on its own: inputs recur across a catalog (a cached reading)
    readings = [
        input_terms(i.name, i.description or "", tuple(i.enum_values or ())) for i in definition.inputs
    ]
    weight_of = weights.get
    vocabulary: dict[str, str] = {}
    for field_words, weight in (
        (name, NAME_WEIGHT),
        (described, DESCRIPTION_WEIGHT),
        (examples, EXAMPLE_WEIGHT),
    ):
        for w, term in field_words:
            weights[term] = weight_of(term, 0.0) + weight
            vocabulary.setdefault(w, term)
    for input_words, _ in readings:
        for _, term in input_words:
            weights[term] = weight_of(term, 0.0) + INPUT_WEIGHT
    for _, valued in readings:
        for term, share in valued:
            weights[term] = weight_of(term, 0.0) + share
    patterns = tuple(i.pattern for i in definition.inputs if i.pattern)
    name_terms = tuple(dict.fromkeys(term for _, term in name))
    return ActionDoc(weights, sum(weights.values()), patterns, vocabulary, name_terms)


@lru_cache(maxsize=32768)
def input_terms(
    name: str, description: str, values: tuple[str, ...]
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, float], ...]]:
    """An input's reading: `field_terms` of its name and description, and (routing term, share)
    of its allowed values, each value's `INPUT_WEIGHT` split evenly over its terms. Cached: an
    input (an order id, a status of fixed values) recurs across a catalog."""
    valued: list[tuple[str, float]] = []
    for value in values:
        value_terms = terms(humanise_name(str(value)))
        valued.extend((term, INPUT_WEIGHT / len(value_terms)) for term in value_terms)
    return field_terms(f"{humanise_name(name)} {description}"), tuple(valued)


UNREAD_NAME_WORDS = frozenset({"post"})
"""HTTP methods in the names of imported operations (`jhub_post_user`) that mean something else
in English: "post" would read as shipping (a letter posted), and it says less than its trigger
("Create a single user") does, so a name's "post" is left unread."""


def name_text(name: str) -> str:
    """An action's name as words, less the words it is not to be read by (`UNREAD_NAME_WORDS`)."""
    return " ".join(w for w in humanise_name(name).split() if w not in UNREAD_NAME_WORDS)


CAMEL_WORD = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b")
CAMEL_HUMP_PAIR = re.compile(r"[a-z][A-Z]")
"""What every camel-case word holds: a text without it has none to split (a quicker scan)."""


@lru_cache(maxsize=32768)
def split_compounds(text: str) -> str:
    """The text with each camel-case word followed by its parts: "JupyterHub" reads as
    "JupyterHub Jupyter Hub", "dagRunId" as "dagRunId dag Run Id" (a message may name either).
    Cached: titles and triggers recur across a catalog, and each scan reads the whole text."""
    if CAMEL_HUMP_PAIR.search(text) is None:
        return text
    return CAMEL_WORD.sub(lambda m: f"{m.group(0)} {humanise_name(m.group(0))}", text)


def _doc_key(compiled: Any) -> tuple[str, str, tuple[str, ...]]:
    return (compiled.definition.name, compiled.content_hash, examples_of(compiled.definition))


@dataclass
class ActionRetriever:
    """Keeps one `ActionIndex` in step with the catalog and picks the actions for a turn."""

    semantic: SemanticRanker | None = None
    """Embedding ranking fused with the lexical one; None ranks lexically."""
    _index: ActionIndex = field(default_factory=ActionIndex)
    _keys: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    _definitions: dict[str, ActionDefinition] = field(default_factory=dict)
    _seen: tuple[int, int] | None = None
    _allowed: dict[str, tuple[list[Any], dict[str, Any], dict[str, int]]] = field(default_factory=dict)
    """Channel -> (allowed actions, by name, catalog position) for the revision in `_seen`."""
    _schemas: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _tokens: dict[tuple[str, str], int] = field(default_factory=dict)
    builds: int = 0
    """How many catalog revisions were taken in (each re-reads only what changed)."""
    reindexed: int = 0
    """How many actions were (re)read into the index in all."""
    _reader: SearchReader = field(default_factory=SearchReader)
    """The catalog search's reading of a query against `_index` (`agent.catalog.search_ranking`)."""

    def index(self, catalog: Iterable[Any]) -> ActionIndex:
        """The index, brought in step with `catalog` (a no-op while its revision is unchanged)."""
        revision = getattr(catalog, "revision", None)
        seen = (id(catalog), revision) if revision is not None else None
        if seen is not None and seen == self._seen:
            return self._index
        self._allowed = {}
        actions = list(catalog)
        present = set()
        changed = False
        # many actions at once (a cold start, an import): BM25's parts once, after them all
        batch = len(actions) - len(self._keys) > BATCH
        for a in actions:
            name = a.definition.name
            present.add(name)
            if self._definitions.get(name) is a.definition:
                continue
            key = _doc_key(a)
            self._definitions[name] = a.definition
            if self._keys.get(name) == key:
                continue
            self._index.put(name, action_doc(a.definition), weigh=not batch)
            self._keys[name] = key
            self.reindexed += 1
            changed = True
        for name in [n for n in self._keys if n not in present]:
            self._index.remove(name)
            del self._keys[name]
            self._definitions.pop(name, None)
            changed = True
        if batch:
            self._index.reweigh()
        if changed or self.builds == 0:
            self.builds += 1
            if self.semantic is not None:
                self.semantic.track(actions)
        self._seen = seen
        return self._index

    def allowed(self, catalog: Iterable[Any], channel: str) -> list[Any]:
        """Enabled actions available on `channel`, in catalog order (kept per catalog revision)."""
        return self._allowed_on(catalog, channel)[0]

    def _allowed_on(
        self, catalog: Iterable[Any], channel: str
    ) -> tuple[list[Any], dict[str, Any], dict[str, int]]:
        self.index(catalog)
        cached = self._allowed.get(channel) if self._seen is not None else None
        if cached is None:
            allowed = [a for a in catalog if a.definition.enabled and a.definition.available_on(channel)]
            by_name = {a.definition.name: a for a in allowed}
            cached = (allowed, by_name, {name: i for i, name in enumerate(by_name)})
            if self._seen is not None:
                self._allowed[channel] = cached
        return cached

    async def prepare(self, catalog: Iterable[Any], messages: Sequence[BaseMessage]) -> str | None:
        """Embed what this turn's semantic ranking needs (actions that changed, the customer's
        message): once per turn, before the nodes select. A note when embedding failed."""
        if self.semantic is None:
            return None
        self.index(catalog)
        texts = query_texts(messages)
        return await self.semantic.prepare(texts[0][0]) if texts else None

    def tool_schemas(self, actions: Iterable[Any]) -> list[dict[str, Any]]:
        """The OpenAI tool definitions of compiled actions, converted once per action version
        (`bind_tools` passes a definition already in this format through unchanged)."""
        out = []
        for a in actions:
            key = (a.definition.name, a.content_hash)
            schema = self._schemas.get(key)
            if schema is None:
                if len(self._schemas) >= MAX_SCHEMAS:
                    self._schemas.clear()
                schema = self._schemas[key] = a.openai_schema()
            out.append(schema)
        return out

    def tokens(self, action: Any) -> int:
        """The estimated prompt tokens of one action's tool definition."""
        key = (action.definition.name, action.content_hash)
        count = self._tokens.get(key)
        if count is None:
            if len(self._tokens) >= MAX_SCHEMAS:
                self._tokens.clear()
            text = json.dumps(self.tool_schemas([action])[0])
            count = self._tokens[key] = -(-len(text) // CHARS_PER_TOKEN)
        return count

    def fits(self, actions: Sequence[Any], budget: int) -> bool:
        """Whether the tool definitions of `actions` together fit `budget` tokens."""
        total = 0
        for a in actions:
            total += self.tokens(a)
            if total > budget:
                return False
        return True

    def ranked(self, catalog: Iterable[Any], texts: Sequence[tuple[str, float]], limit: int) -> list[str]:
        """The names of the best `limit` actions for the (text, weight) queries, best first:
        lexical, fused with the semantic ranking when one is configured and answers."""
        return self._ranked(catalog, texts, limit)[0]

    def _ranked(
        self, catalog: Iterable[Any], texts: Sequence[tuple[str, float]], limit: int
    ) -> tuple[list[str], Lexical | None]:
        """`ranked`, with the lexical evidence when the ranking is lexical (None when fused)."""
        scored, worded = self.index(catalog).ranked_worded(texts, limit)
        lexical = [name for name, _ in scored]
        if self.semantic is None or not texts:
            return lexical, Lexical(dict(scored), worded)
        semantic = self.semantic.ranked(texts[0][0], limit)
        return (
            (fuse([lexical, semantic])[:limit], None)
            if semantic
            else (lexical, Lexical(dict(scored), worded))
        )

    def select(
        self,
        catalog: Iterable[Any],
        allowed: Sequence[Any],
        messages: Sequence[BaseMessage],
        k: int,
        keep: Iterable[str] = (),
        channel: str | None = None,
        extend_to: int = 0,
    ) -> list[Any]:
        """At most `k` of the `allowed` compiled actions for a conversation, in catalog order;
        up to `extend_to` when the lexical ranking cannot tell the next ones from the k-th
        (`tail`: matched by a word, scoring within `TAIL_RATIO` of it). With `channel`, `allowed` is this
        retriever's own list for it (`allowed`), whose name and position maps are kept per
        catalog revision instead of rebuilt per turn."""
        if len(allowed) <= k:
            return list(allowed)
        if channel is not None:
            _, by_name, position = self._allowed_on(catalog, channel)
        else:
            by_name = {a.definition.name: a for a in allowed}
            position = {name: i for i, name in enumerate(by_name)}
        chosen: list[str] = [name for name in dict.fromkeys(keep) if name in by_name][:k]
        texts = query_texts(messages)
        limit = max(k, extend_to) + len(chosen)
        best, lexical = self._ranked(catalog, texts, limit)
        if sum(1 for n in best if n in by_name) < k:  # channel or switch-offs filtered some out
            best, lexical = self._ranked(catalog, texts, len(by_name) + limit)
        ranked = [name for name in best if name in by_name and name not in chosen]
        taken = ranked[: k - len(chosen)]
        chosen += taken
        if lexical is not None and taken and len(chosen) == k:
            chosen += tail(ranked[len(taken) :], lexical, taken[-1], extend_to - k)
        for name in by_name:
            if len(chosen) >= k:
                break
            if name not in chosen:
                chosen.append(name)
        return [by_name[name] for name in sorted(chosen, key=position.__getitem__)]

    def search(
        self,
        catalog: Iterable[Any],
        allowed: Sequence[Any],
        query: str,
        n: int,
        messages: Sequence[BaseMessage] = (),
    ) -> list[Any]:
        """The `n` allowed actions that best match `query` (the catalog search tool), best first.
        With the conversation's `messages`, the customer's last message counts too, at
        `SEARCH_MESSAGE_WEIGHT`: a model's few words may drop the customer's own.

        The search ranks by its own, wider reading (`agent.catalog.search_ranking`: parts of
        identifiers, near spellings and abbreviations of short words, related words at a higher
        weight; BM25 fused with how much of each action's name the query covers), not binding's:
        it is asked when binding's reading missed. With an embedding model, the semantic ranking
        of the query (or, when only the customer's message was embedded, of that message) is
        fused in too, by reciprocal rank."""
        by_name = {a.definition.name: a for a in allowed}
        texts = [(query, 1.0), *((text, SEARCH_MESSAGE_WEIGHT) for text, _ in query_texts(messages)[:1])]
        rankings = self._reader.rankings(self.index(catalog), texts, list(by_name), max(RANKING_DEPTH, n))
        semantic = self.semantic
        if semantic is not None:
            for text, _ in texts:
                nearest = semantic.ranked(text, len(self._keys))
                if nearest:
                    rankings.append([name for name in nearest if name in by_name])
                    break
        return [by_name[name] for name in fuse(rankings, SEARCH_RRF_K)[:n]]


@dataclass(frozen=True)
class Lexical:
    """The lexical ranking's evidence: each ranked action's score, and which of them a word of
    the conversation matched (the others scored on an input pattern's value alone)."""

    scores: dict[str, float]
    worded: set[str]


def tail(candidates: Sequence[str], lexical: Lexical, kth: str, room: int) -> list[str]:
    """The candidates past the k-th action `kth` (best first) that the lexical ranking cannot
    tell from it: while each scores at least `TAIL_RATIO` of the k-th's score and a word of the
    conversation matched it, at most `room` of them. None when no word matched the k-th (a
    score of 0, or only an input pattern's value: "hello" fits `^[A-Za-z0-9 -]{3,10}$`, which
    every action holding that pattern ties on): a message that says nothing that tells actions
    apart binds k, not the cap. A clear gap after the k-th binds k; a flat tail of look-alikes
    the message's words match alike binds more, up to the tool cap."""
    kth_score = lexical.scores.get(kth, 0.0)
    if kth_score <= 0 or kth not in lexical.worded:
        return []
    out: list[str] = []
    for name in candidates:
        if len(out) >= room or lexical.scores.get(name, 0.0) < TAIL_RATIO * kth_score:
            break
        if name in lexical.worded:
            out.append(name)
    return out


def query_texts(messages: Sequence[BaseMessage]) -> list[tuple[str, float]]:
    """The customer's last message, and the one before it at a lower weight."""
    humans: list[str] = [m.text for m in messages if isinstance(m, HumanMessage)]
    texts = [(humans[-1], 1.0)] if humans else []
    if len(humans) > 1:
        texts.append((humans[-2], PREVIOUS_MESSAGE_WEIGHT))
    return texts


def last_called(messages: Sequence[BaseMessage]) -> str | None:
    """The action of the most recent tool call in the conversation."""
    for m in reversed(messages):
        if isinstance(m, AIMessage) and m.tool_calls:
            return m.tool_calls[0]["name"]
    return None
