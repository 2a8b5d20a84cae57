"""An incremental BM25 index over action documents: add, replace or remove one action at a time.

The postings keep raw term frequencies and every document's length, and BM25's corpus
statistics (document count, average length, inverse document frequency) are read at query time
from running totals, so an edit touches only the postings of the edited action's own terms:
no corpus-wide recomputation, whatever the catalog's size. Scoring walks the postings of the
query's terms only.

A document is an `ActionDoc` (`agent.catalog.retrieval.action_doc`): weighted routing terms, the input
patterns whose values in a message are evidence for the action, and the plain words that lead
to its terms (the vocabulary typo correction reads unknown words against).
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.catalog.lexical import (
    COMMON_WORDS,
    PATTERN_BONUS,
    IdentifierPattern,
    canonical,
    idf,
    length_norm,
    saturated,
    saturated_postings,
    typo_candidates,
    words,
)
from agent.catalog.related_words import (
    RELATED_WEIGHT,
    UNSAID_RELATED_WEIGHT,
    phrase_related,
    query_words,
    related,
)

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
"""Where a message's sentences end."""
OTHER_SENTENCES_WEIGHT = 0.25
"""The weight of a long message's sentences beside its best one for an action."""
MAX_POSTINGS = 1000
"""Postings walked per query term: a term more actions hold than this (a word nearly every
action of a 10,000-action catalog shares) counts only for its `MAX_POSTINGS` actions where it
weighs most (impact-ordered truncation). Below this size, ranking is exact BM25."""
RELATED_POSTINGS = 200
"""Postings walked for a term that only a related word or phrase brought into the query (at
`RELATED_WEIGHT` or `UNSAID_RELATED_WEIGHT`): its `RELATED_POSTINGS` heaviest. A related term speaks for the few
actions it describes best; walking every holder of a common one ("address", "send") would
cost each turn more than it tells."""
AVG_DRIFT = 0.1
"""Relative drift of the average document length that triggers recomputing BM25's parts."""
MIN_PREFIX = 4
"""Shortest stem read as the start of a longer indexed term."""
MIN_PART = 3
"""Shortest term read as the start or end of a namespace ("hub" of `jhub`)."""
MAX_TYPO_READINGS = 3
"""Most equally near terms an unknown word is read as (its weight split between them)."""
NAMESPACE_MIN = 3
"""Actions whose names must start with one word for it to be a namespace (an imported API's
prefix: `jhub_`, `jserver_`, `mlserver_`)."""
NAMESPACE_WEIGHT = 0.8
"""A namespace's weight in a query that says a word it begins or ends with ("hub" of `jhub`,
"server" of `jserver`), relative to the word itself: the namespace is the API's name shortened,
and its actions' descriptions seldom repeat it."""
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
    name_terms: tuple[str, ...] = ()
    """The routing terms of the action's name: the catalog search weighs how much of a name a
    query covers (`agent.catalog.search_ranking`)."""


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
        self.parts: dict[str, dict[str, float]] = defaultdict(dict)
        """term -> {action: BM25 term-frequency part} at the reference average length."""
        self.avg_ref = 0.0
        """The average document length the parts were computed with; re-set (and every part
        recomputed, without re-reading any action) once the live average drifts past
        `AVG_DRIFT`, so an edit stays proportional to the edited action."""
        self._impact: dict[str, list[tuple[str, float]]] = {}
        """term -> its `MAX_POSTINGS` heaviest parts, best first, for a term more actions hold than
        a walk of its postings takes (`heaviest`)."""
        self._corrections: dict[str, tuple[str, ...]] = {}
        self._namespace_readings: dict[str, list[str]] = {}
        self.namespaces: dict[str, int] = defaultdict(int)
        """The first term of an action's name (of two or more) -> how many actions' names start
        with it."""
        self.vocabulary_version = 0
        """Counts the changes of `word_counts`: a reading cached against the vocabulary
        (typo corrections, the catalog search's readings) is stale once it moved."""

    def __len__(self) -> int:
        return len(self.docs)

    # -- keeping it in step -------------------------------------------------------------------

    def put(self, name: str, doc: ActionDoc, *, weigh: bool = True) -> None:
        """Add the action, or replace what the index held for it. With `weigh=False` (a batch
        of many), its BM25 parts wait for `reweigh()` after the batch."""
        if name in self.docs:
            self.remove(name)
        self.docs[name] = doc
        self.total_length += doc.length
        self._drop_impact(doc.weights)
        if not weigh:
            postings = self.postings
            for term, tf in doc.weights.items():
                postings[term][name] = tf
            self._index_extras(name, doc)
            return
        avg = self.total_length / len(self.docs)
        if not self.avg_ref or abs(avg - self.avg_ref) > AVG_DRIFT * self.avg_ref:
            self._reweigh(avg)
        norm = self._norm(doc.length)
        for term, tf in doc.weights.items():
            self.postings[term][name] = tf
            self.parts[term][name] = saturated(tf, norm)
        self._index_extras(name, doc)

    def reweigh(self) -> None:
        """Compute every BM25 part at the current average length (after a batch of puts)."""
        self._reweigh(self.total_length / len(self.docs) if self.docs else 1.0)

    def _drop_impact(self, terms: Iterable[str]) -> None:
        """Forget the heaviest postings kept for terms whose postings change."""
        if self._impact:  # none kept while a batch is taken in
            for term in terms:
                self._impact.pop(term, None)

    def _index_extras(self, name: str, doc: ActionDoc) -> None:
        if len(doc.name_terms) > 1:
            self.namespaces[doc.name_terms[0]] += 1
            self._namespace_readings.clear()
        for pattern in dict.fromkeys(doc.patterns):
            if pattern not in self.patterns:
                self.patterns[pattern] = IdentifierPattern.compile(pattern)
            self.pattern_actions[pattern].add(name)
        for word, term in doc.vocabulary.items():
            counts = self.word_counts[word]
            counts[term] = counts.get(term, 0) + 1
        if doc.vocabulary:
            self._corrections.clear()
            self.vocabulary_version += 1

    def remove(self, name: str) -> None:
        doc = self.docs.pop(name, None)
        if doc is None:
            return
        self.total_length -= doc.length
        for term in doc.weights:
            self._impact.pop(term, None)
            postings = self.postings[term]
            postings.pop(name, None)
            self.parts[term].pop(name, None)
            if not postings:
                del self.postings[term], self.parts[term]
        for pattern in dict.fromkeys(doc.patterns):
            holders = self.pattern_actions[pattern]
            holders.discard(name)
            if not holders:
                del self.pattern_actions[pattern], self.patterns[pattern]
        if len(doc.name_terms) > 1:
            self._namespace_readings.clear()
            self.namespaces[doc.name_terms[0]] -= 1
            if self.namespaces[doc.name_terms[0]] <= 0:
                del self.namespaces[doc.name_terms[0]]
        for word, term in doc.vocabulary.items():
            counts = self.word_counts[word]
            counts[term] -= 1
            if counts[term] <= 0:
                del counts[term]
            if not counts:
                del self.word_counts[word]
        self._corrections.clear()
        self.vocabulary_version += 1

    def _norm(self, length: float) -> float:
        return length_norm(length, self.avg_ref or 1.0)

    def _reweigh(self, avg: float) -> None:
        self.avg_ref = avg or 1.0
        self._impact.clear()
        norms = {n: self._norm(doc.length) for n, doc in self.docs.items()}
        for term, postings in self.postings.items():
            self.parts[term] = saturated_postings(postings, norms)

    # -- reading a message --------------------------------------------------------------------

    def query_terms(self, text: str) -> dict[str, float]:
        """Routing terms of a message with their weights (1.0 for the message's own words).

        An unknown word one or two edits from known ones is read as them ("instalation" ->
        installation): as the one nearest term, or split evenly over up to `MAX_TYPO_READINGS`
        equally near ones ("stok": stock or stop); not a word the table of related words knows
        (`agent.catalog.related_words`: "addr" is no typo of add, "diag" none of dag). Each term then brings its related terms
        (`agent.catalog.related_words`) in at `RELATED_WEIGHT`, unless the message holds them itself;
        at `UNSAID_RELATED_WEIGHT` for a word no action says ("nuke": delete, stop). Each everyday
        phrase the message says brings its words at `PHRASE_WEIGHT` ("get rid of": delete,
        remove), a stop word of a group its group's at `RELATED_WEIGHT` ("again": reorder). A
        word a namespace of action names begins or ends with brings the namespace in at
        `NAMESPACE_WEIGHT` ("hub": jhub)."""
        return self.read_query(text)[0]

    def read_query(self, text: str) -> tuple[dict[str, float], frozenset[str]]:
        """`query_terms`, and the terms only a related word or phrase brought into the query
        (scored on their `RELATED_POSTINGS` heaviest postings)."""
        out: dict[str, float] = {}
        plain = words(text)
        for w in query_words(text):
            term = canonical(w)
            readings: tuple[str, ...] = (term,)
            unknown = term not in self.postings and w.isalpha() and len(w) >= 4
            if unknown and w not in COMMON_WORDS and not related(term):
                if w not in self._corrections:
                    if len(self._corrections) >= MAX_CORRECTIONS:
                        self._corrections.clear()
                    self._corrections[w] = self._correct(w)
                readings = self._corrections[w] or readings
            for reading in readings:
                out[reading] = max(out.get(reading, 0.0), 1.0 / len(readings))
            if len(term) >= MIN_PART and w not in COMMON_WORDS:
                for namespace in self.namespaces_holding(term):
                    out[namespace] = max(out.get(namespace, 0.0), NAMESPACE_WEIGHT)
        said = frozenset(out)
        for term, weight in list(out.items()):
            # a word no action says (jargon, shorthand: "nuke", "cfg") has only its related
            # terms to speak for it: they weigh more, still less than the word itself would
            share = RELATED_WEIGHT if term in self.postings else UNSAID_RELATED_WEIGHT
            for other in related(term):
                if other in self.postings:
                    out[other] = max(out.get(other, 0.0), weight * share)
        for other, weight in phrase_related(plain).items():
            if other in self.postings:
                out[other] = max(out.get(other, 0.0), weight)
        return out, frozenset(out) - said

    def namespaces_holding(self, term: str) -> list[str]:
        """`_namespaces_holding`, kept per term until the namespaces change."""
        found = self._namespace_readings.get(term)
        if found is None:
            if len(self._namespace_readings) >= MAX_CORRECTIONS:
                self._namespace_readings.clear()
            found = self._namespace_readings[term] = self._namespaces_holding(term)
        return found

    def _namespaces_holding(self, term: str) -> list[str]:
        """The namespaces (`namespaces`, of `NAMESPACE_MIN` actions or more) that begin or end
        with `term` and are longer ("hub" -> jhub, "server" -> jserver and mlserver), or that
        shorten it: its first letter, then letters of it in order up to its last `MIN_PART`
        ("jupyterhub" -> jhub, "jupyterlab" -> jlab)."""
        return [
            ns
            for ns, count in self.namespaces.items()
            if count >= NAMESPACE_MIN
            and (
                (len(ns) > len(term) and (ns.startswith(term) or ns.endswith(term)))
                or (len(term) > len(ns) and _shortens(ns, term))
            )
        ]

    def _correct(self, word: str) -> tuple[str, ...]:
        """A typo's readings, else the one indexed term the word's stem begins ("specs" ->
        specif-ications); empty when there is none (or too many to choose from)."""
        vocabulary = {w: next(iter(terms)) for w, terms in self.word_counts.items() if len(terms) == 1}
        found = typo_candidates(word, vocabulary)
        if found:
            return found if len(found) <= MAX_TYPO_READINGS else ()
        stem = canonical(word)
        if len(stem) < MIN_PREFIX:
            return ()
        longer = [t for t in self.postings if t.startswith(stem)]
        return (longer[0],) if len(longer) == 1 else ()

    def idf(self, df: int) -> float:
        return idf(len(self.docs), df)

    def scores(self, texts: Sequence[tuple[str, float]]) -> dict[str, float]:
        """Action -> BM25 score for every action matching at least one (text, weight) query."""
        return self._scores(texts, None)

    def _scores(self, texts: Sequence[tuple[str, float]], worded: set[str] | None) -> dict[str, float]:
        """`scores`; with `worded`, the actions a word of the texts matched are added to it (the
        others scored on an input pattern's value alone)."""
        scores: dict[str, float] = defaultdict(float)
        if not self.docs:
            return scores
        for text, weight in texts:
            parts_of = [p for p in SENTENCE_END.split(text) if p.strip()]
            if len(parts_of) < 2:
                self._add_terms(text, weight, scores)
                continue
            # a long message: the sentence that speaks of an action counts whole, the others (a
            # greeting, a sign-off, the story around it) at a lower weight
            each = []
            for part in parts_of:
                one: dict[str, float] = defaultdict(float)
                self._add_terms(part, weight, one)
                each.append(one)
            for name in set().union(*each):
                values = [one.get(name, 0.0) for one in each]
                best = max(values)
                scores[name] += best + OTHER_SENTENCES_WEIGHT * (sum(values) - best)
        if worded is not None:
            worded.update(scores)
        self.add_pattern_bonus(texts, scores)
        return scores

    def _add_terms(self, text: str, weight: float, scores: dict[str, float]) -> None:
        """Add the BM25 parts of the terms `text` reads to `scores`, at `weight`."""
        read, brought = self.read_query(text)
        for term, term_weight in read.items():
            parts = self.parts.get(term)
            if not parts:
                continue
            idf = weight * term_weight * self.idf(len(parts))
            limit = RELATED_POSTINGS if term in brought else MAX_POSTINGS
            for name, part in self.heaviest(term, parts, limit):
                scores[name] += idf * part

    def add_pattern_bonus(self, texts: Sequence[tuple[str, float]], scores: dict[str, float]) -> None:
        """Add to `scores` the bonus of every action taking an input whose pattern a value of
        the texts matches (INS-2001), weighed by how few actions take that pattern."""
        for text, weight in texts:
            for pattern, compiled in self.patterns.items():
                if compiled is not None and compiled.search(text):
                    holders = self.pattern_actions[pattern]
                    bonus = weight * PATTERN_BONUS * self.idf(len(holders))
                    for name in holders:
                        scores[name] = scores.get(name, 0.0) + bonus

    def heaviest(
        self, term: str, parts: dict[str, float], limit: int = MAX_POSTINGS
    ) -> Iterable[tuple[str, float]]:
        """(action, BM25 part) of the term's postings: all of them, or the `limit` heaviest
        (at most `MAX_POSTINGS`) for a term more actions hold than that."""
        if len(parts) <= limit:
            return parts.items()
        impact = self._impact.get(term)
        if impact is None:
            impact = self._impact[term] = heapq.nlargest(
                MAX_POSTINGS, parts.items(), key=lambda i: (i[1], i[0])
            )
        return impact if limit >= MAX_POSTINGS else impact[:limit]

    def ranked(self, texts: Sequence[tuple[str, float]], limit: int | None = None) -> list[tuple[str, float]]:
        """(action, score) of the matching actions, best first (by name on ties)."""
        return _best(self._scores(texts, None), limit)

    def ranked_worded(
        self, texts: Sequence[tuple[str, float]], limit: int | None = None
    ) -> tuple[list[tuple[str, float]], set[str]]:
        """`ranked`, and the actions that a word of the texts matched: the rest of the ranking
        scored on an input pattern's value alone ("hello" is a value of `^[A-Za-z0-9 -]{3,10}$`),
        evidence that tells no action from another holding the same pattern."""
        worded: set[str] = set()
        return _best(self._scores(texts, worded), limit), worded


def _shortens(short: str, word: str) -> bool:
    """Whether `short` keeps the first letter of `word`, its last `MIN_PART` letters, and only
    letters of it in order between ("jhub" of "jupyterhub")."""
    if short[0] != word[0] or short[-MIN_PART:] != word[-MIN_PART:]:
        return False
    letters = iter(word[1:])
    return all(c in letters for c in short[1:])


def _best(scored: dict[str, float], limit: int | None) -> list[tuple[str, float]]:
    """(action, score) of the best `limit` (all when None), best first (by name on ties)."""
    items: Iterable[tuple[str, float]] = scored.items()
    if limit and limit < len(scored):
        # the limit-th best score, then every action at or above it (ties kept whole)
        cut = heapq.nlargest(limit, scored.values())[-1]
        items = [(n, v) for n, v in items if v >= cut]
    best = sorted(items, key=lambda item: (-item[1], item[0]))[: limit or None]
    return [(name, round(score, 4)) for name, score in best]
