"""An incremental BM25 index over action documents: add, replace or remove one action at a time.

The postings keep raw term frequencies and every document's length, and BM25's corpus
statistics (document count, average length, inverse document frequency) are read at query time
from running totals, so an edit touches only the postings of the edited action's own terms:
no corpus-wide recomputation, whatever the catalog's size. Scoring walks the postings of the
query's terms only.

A document is an `ActionDoc` (`agent.retrieval.action_doc`): weighted routing terms, the input
patterns whose values in a message are evidence for the action, and the plain words that lead
to its terms (the vocabulary typo correction reads unknown words against).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .lexical import (
    COMMON_WORDS,
    K1,
    PATTERN_BONUS,
    STOPWORDS,
    B,
    IdentifierPattern,
    canonical,
    correct_typo,
    words,
)

MIN_PREFIX = 4
"""Shortest stem read as the start of a longer indexed term."""
MAX_CORRECTIONS = 4096
"""Unknown words remembered with their correction (a scan of the vocabulary each) per index."""


@dataclass(frozen=True, slots=True)
class ActionDoc:
    """One action as the index sees it (depends only on its definition and its examples)."""

    weights: dict[str, float]
    """Routing term -> weighted frequency (name, trigger, examples, inputs)."""
    length: float
    patterns: tuple[str, ...]
    """Input patterns; a message holding a matching value is evidence for the action."""
    vocabulary: dict[str, str]
    """Plain word -> routing term, for typo correction (name, trigger and example words)."""


class ActionIndex:
    """BM25 postings (term -> {action: frequency}) kept in step one action at a time."""

    def __init__(self) -> None:
        self.docs: dict[str, ActionDoc] = {}
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        self.pattern_actions: dict[str, set[str]] = defaultdict(set)
        self.patterns: dict[str, IdentifierPattern | None] = {}
        self.word_counts: dict[str, dict[str, int]] = defaultdict(dict)
        """Vocabulary word -> {term: how many actions lead there} (a word may stem two ways)."""
        self.total_length = 0.0
        self._corrections: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self.docs)

    # -- keeping it in step -------------------------------------------------------------------

    def put(self, name: str, doc: ActionDoc) -> None:
        """Add the action, or replace what the index held for it."""
        self.remove(name)
        self.docs[name] = doc
        self.total_length += doc.length
        for term, tf in doc.weights.items():
            self.postings[term][name] = tf
        for pattern in dict.fromkeys(doc.patterns):
            if pattern not in self.patterns:
                self.patterns[pattern] = IdentifierPattern.compile(pattern)
            self.pattern_actions[pattern].add(name)
        for word, term in doc.vocabulary.items():
            counts = self.word_counts[word]
            counts[term] = counts.get(term, 0) + 1
        if doc.vocabulary:
            self._corrections.clear()

    def remove(self, name: str) -> None:
        doc = self.docs.pop(name, None)
        if doc is None:
            return
        self.total_length -= doc.length
        for term in doc.weights:
            postings = self.postings[term]
            postings.pop(name, None)
            if not postings:
                del self.postings[term]
        for pattern in dict.fromkeys(doc.patterns):
            holders = self.pattern_actions[pattern]
            holders.discard(name)
            if not holders:
                del self.pattern_actions[pattern], self.patterns[pattern]
        for word, term in doc.vocabulary.items():
            counts = self.word_counts[word]
            counts[term] -= 1
            if counts[term] <= 0:
                del counts[term]
            if not counts:
                del self.word_counts[word]
        self._corrections.clear()

    # -- reading a message --------------------------------------------------------------------

    def query_terms(self, text: str) -> set[str]:
        """Routing terms of a message; an unknown word one or two edits from a known one is
        corrected to it ("instalation" -> installation), as the offline router does."""
        out = set()
        for w in words(text):
            if w in STOPWORDS or w.isdigit():
                continue
            term = canonical(w)
            if term not in self.postings and len(w) >= 4 and w not in COMMON_WORDS:
                if w not in self._corrections:
                    if len(self._corrections) >= MAX_CORRECTIONS:
                        self._corrections.clear()
                    self._corrections[w] = self._correct(w)
                term = self._corrections[w] or term
            out.add(term)
        return out

    def _correct(self, word: str) -> str | None:
        """A typo's correction, else the one indexed term the word's stem begins ("specs" ->
        specif-ications); None when neither is unique."""
        vocabulary = {w: next(iter(terms)) for w, terms in self.word_counts.items() if len(terms) == 1}
        corrected = correct_typo(word, vocabulary)
        if corrected is not None:
            return corrected
        stem = canonical(word)
        if len(stem) < MIN_PREFIX:
            return None
        longer = {t for t in self.postings if t.startswith(stem)}
        return next(iter(longer)) if len(longer) == 1 else None

    def idf(self, df: int) -> float:
        n = len(self.docs)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, texts: Sequence[tuple[str, float]]) -> dict[str, float]:
        """Action -> BM25 score for every action matching at least one (text, weight) query."""
        scores: dict[str, float] = defaultdict(float)
        if not self.docs:
            return scores
        avg = self.total_length / len(self.docs) or 1.0
        docs = self.docs
        for text, weight in texts:
            for term in self.query_terms(text):
                postings = self.postings.get(term)
                if not postings:
                    continue
                idf = weight * self.idf(len(postings)) * (K1 + 1)
                for name, tf in postings.items():
                    norm = K1 * (1 - B + B * docs[name].length / avg)
                    scores[name] += idf * tf / (tf + norm)
            for pattern, compiled in self.patterns.items():
                if compiled is not None and compiled.search(text):
                    holders = self.pattern_actions[pattern]
                    bonus = weight * PATTERN_BONUS * self.idf(len(holders))
                    for name in holders:
                        scores[name] += bonus
        return scores

    def ranked(self, texts: Sequence[tuple[str, float]], limit: int | None = None) -> list[tuple[str, float]]:
        """(action, score) of the matching actions, best first (by name on ties)."""
        scored = self.scores(texts)
        key = lambda item: (-item[1], item[0])  # noqa: E731
        best = heapq.nsmallest(limit, scored.items(), key=key) if limit else sorted(scored.items(), key=key)
        return [(name, round(score, 4)) for name, score in best]
