"""Top-k action retrieval: bind only the actions relevant to the turn, not the whole catalog.

Every bound tool costs the model prompt tokens on every turn (its name, trigger text and input
schema); with hundreds of configured actions that is tens of thousands of tokens. The agent
node therefore binds at most `Limits.top_k` actions: those whose name, trigger text and input
descriptions best match the customer's last message (and, at half weight, the one before it).

Scoring is BM25 over the offline router's terms (`agent.offline.router`: the same
normalisation, phrases, stop words, stemming, synonym groups and typo correction), plus a bonus
when the message holds a value matching one of the action's input patterns (INS-2001).
The index is built once per catalog revision: `ActionRetriever` keeps it while the catalog holds
the very same compiled actions, and on a change re-tokenises only new or edited actions (by
name and content hash) before recomputing the corpus statistics.

An action the conversation is already busy with (a pending call, or the last call made) is
always kept; the rest of the k slots go to the best matches, then to the other allowed actions
in catalog order, so exactly min(k, allowed) actions are bound.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from tools.action import ActionDefinition

from .lexical import (
    COMMON_WORDS,
    DESCRIPTION_WEIGHT,
    K1,
    NAME_WEIGHT,
    PARAMETER_WEIGHT,
    PATTERN_BONUS,
    STOPWORDS,
    IdentifierPattern,
    average_length,
    canonical,
    correct_typo,
    humanise_name,
    length_norm,
    terms,
    words,
)

MAX_CORRECTIONS = 4096
"""Unknown words remembered with their correction (a scan of the vocabulary each) per index."""
MAX_SCHEMAS = 8192
"""Converted tool definitions kept (a few per action: old versions fall out on a clear)."""
PREVIOUS_MESSAGE_WEIGHT = 0.5
"""Weight of the customer's previous message: "it's INS-2001" continues the request before it."""


@dataclass(frozen=True, slots=True)
class ActionDoc:
    """One action as the index sees it (depends only on its definition)."""

    weights: dict[str, float]
    """Routing term -> weighted frequency (name x2, trigger x1, inputs x0.4)."""
    length: float
    patterns: tuple[str, ...]
    """Input patterns; a message holding a matching value is evidence for the action."""


def action_doc(definition: ActionDefinition) -> ActionDoc:
    weights: defaultdict[str, float] = defaultdict(float)
    for term in terms(humanise_name(definition.name)):
        weights[term] += NAME_WEIGHT
    for term in terms(f"{definition.title or ''} {definition.trigger}"):
        weights[term] += DESCRIPTION_WEIGHT
    patterns = []
    for inp in definition.inputs:
        for term in terms(f"{humanise_name(inp.name)} {inp.description or ''}"):
            weights[term] += PARAMETER_WEIGHT
        for value in inp.enum_values or ():
            value_terms = terms(humanise_name(str(value)))
            for term in value_terms:
                weights[term] += PARAMETER_WEIGHT / len(value_terms)
        if inp.pattern:
            patterns.append(inp.pattern)
    return ActionDoc(dict(weights), sum(weights.values()), tuple(patterns))


class ActionIndex:
    """BM25 over a fixed list of compiled actions (an inverted index: term -> postings)."""

    def __init__(self, actions: Sequence[Any], docs: Sequence[ActionDoc]):
        self.actions = list(actions)
        self.docs = list(docs)
        self.position = {a.definition.name: i for i, a in enumerate(self.actions)}
        n = max(len(self.docs), 1)
        self.avg_length = average_length(d.length for d in self.docs)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        by_pattern: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            norm = length_norm(doc.length, self.avg_length)
            for term, tf in doc.weights.items():
                postings[term].append((i, tf * (K1 + 1) / (tf + norm)))
            for pattern in dict.fromkeys(doc.patterns):
                by_pattern[pattern].append(i)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        self.postings = dict(postings)
        self.patterns = {p: (IdentifierPattern.compile(p), ids) for p, ids in by_pattern.items()}
        self.pattern_idf = {
            p: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) for p, ids in by_pattern.items()
        }
        self.vocabulary = self._vocabulary()
        self._corrections: dict[str, str | None] = {}

    def _vocabulary(self) -> dict[str, str]:
        """Plain words that lead to an indexed term (for typo correction), word -> term."""
        vocab: dict[str, str] = {}
        for action in self.actions:
            d = action.definition
            for w in words(f"{humanise_name(d.name)} {d.trigger}"):
                if w not in STOPWORDS and not w.isdigit() and canonical(w) in self.idf:
                    vocab.setdefault(w, canonical(w))
        return vocab

    def query_terms(self, text: str) -> set[str]:
        """Routing terms of a message; an unknown word one or two edits from a known one is
        corrected to it ("instalation" -> installation), as the offline router does."""
        out = set()
        for w in words(text):
            if w in STOPWORDS or w.isdigit():
                continue
            term = canonical(w)
            if term not in self.idf and len(w) >= 4 and w not in COMMON_WORDS:
                if w not in self._corrections:
                    if len(self._corrections) >= MAX_CORRECTIONS:
                        self._corrections.clear()
                    self._corrections[w] = self._correct(w)
                term = self._corrections[w] or term
            out.add(term)
        return out

    def _correct(self, word: str) -> str | None:
        return correct_typo(word, self.vocabulary)

    def scores(self, texts: Sequence[tuple[str, float]]) -> dict[int, float]:
        """Position -> score for every action matching at least one (text, weight) query."""
        scores: dict[int, float] = defaultdict(float)
        for text, weight in texts:
            for term in self.query_terms(text):
                idf = self.idf.get(term)
                if idf is None:
                    continue
                for i, part in self.postings[term]:
                    scores[i] += weight * idf * part
            for pattern, (compiled, ids) in self.patterns.items():
                if compiled is not None and compiled.search(text):
                    bonus = weight * PATTERN_BONUS * self.pattern_idf[pattern]
                    for i in ids:
                        scores[i] += bonus
        return scores

    def ranked(self, texts: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
        """(action name, score) of the matching actions, best first (catalog order on ties)."""
        scored = sorted(self.scores(texts).items(), key=lambda item: (-item[1], item[0]))
        return [(self.actions[i].definition.name, round(s, 4)) for i, s in scored]


@dataclass
class ActionRetriever:
    """Keeps one `ActionIndex` in step with the catalog and picks the top k for a turn."""

    _actions: list[Any] = field(default_factory=list)
    _docs: dict[tuple[str, str], ActionDoc] = field(default_factory=dict)
    _index: ActionIndex | None = None
    _schemas: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    builds: int = 0
    """How many times the index was (re)built: once per catalog revision."""

    def index(self, catalog: Iterable[Any]) -> ActionIndex:
        actions = list(catalog)
        # The cache holds the compiled objects themselves, so "the same objects" is exact.
        if (
            self._index is not None
            and len(actions) == len(self._actions)
            and all(a is b for a, b in zip(actions, self._actions, strict=False))
        ):
            return self._index
        docs = {}
        for a in actions:
            key = (a.definition.name, a.content_hash)
            docs[key] = self._docs.get(key) or action_doc(a.definition)
        self._docs, self._actions = docs, actions
        self._index = ActionIndex(actions, [docs[(a.definition.name, a.content_hash)] for a in actions])
        self.builds += 1
        return self._index

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

    def select(
        self,
        catalog: Iterable[Any],
        allowed: Sequence[Any],
        messages: Sequence[BaseMessage],
        k: int,
        keep: Iterable[str] = (),
    ) -> list[Any]:
        """At most `k` of the `allowed` compiled actions for a conversation, in catalog order."""
        if len(allowed) <= k:
            return list(allowed)
        index = self.index(catalog)
        by_name = {a.definition.name: a for a in allowed}
        chosen: list[str] = [name for name in dict.fromkeys(keep) if name in by_name][:k]
        for name, _ in index.ranked(query_texts(messages)):
            if len(chosen) >= k:
                break
            if name in by_name and name not in chosen:
                chosen.append(name)
        for name in by_name:
            if len(chosen) >= k:
                break
            if name not in chosen:
                chosen.append(name)
        picked = set(chosen)
        return [a for a in allowed if a.definition.name in picked]


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
