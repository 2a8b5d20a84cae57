"""The catalog search's own ranking: a second, recall-oriented look at the whole catalog.

Binding ranks by BM25 over the message's words as routing reads them (`ActionIndex.scores`).
The search tool (`agent.catalog.search`) is called when none of the bound actions fits, that
is when binding's reading missed: ranking again the same way would only reach the ranks just
past the bound ones. So the search reads each word of its query more widely, against the
words and terms the index already holds (no second index, nothing more to keep in step):

- its own term, weight 1, as binding reads it;
- parts of identifiers and names: a word of `MIN_PART` letters or more that begins or ends an
  indexed word ("hub" in the name `jhub_get_users`, "lab" in `jlab_...`, "server" in
  `jserver_...`), and, for a word the index does not know, the indexed words of `MIN_PART`
  letters or more that begin or end it ("dagruns" holds "dag"), at `PART_WEIGHT`; not the
  halves of an everyday compound (`is_compound`: "handset" is no "set", "doorstep" no "step");
- two words said apart that the catalog writes as one ("pet store": `petstore_...`, "log out":
  logout, "work space": workspace), read as that word, the pair counting as one more word;
- near spellings of a word the index does not know, short words included (binding corrects
  words of four letters or more only): within one edit, two for long words ("cancle" ->
  cancel); a two-letter word only by a letter added at its end ("ad" -> add), at `NEAR_WEIGHT`;
- abbreviations: a word the index does not know, of at most `MAX_ABBREVIATION` letters, whose
  letters appear in order in an indexed word two or more letters longer with the same first
  letter ("grp" -> group, "acct" -> account, "cfg" -> config), and the indexed words a longer
  unknown word's stem begins ("notifs" -> notifications), at `ABBREVIATION_WEIGHT`;
- related words of the word itself (`agent.catalog.related_words`, and the plain-word
  associations of `agent.catalog.lexical.RELATED`, "plane" -> flight) at
  `SEARCH_RELATED_WEIGHT`, more than binding gives them, and at `SEARCH_UNSAID_RELATED_WEIGHT`
  for a word no action says ("handset", "hamster", "pipelines"): its related words are all
  that speak for it, as binding reads it too (`UNSAID_RELATED_WEIGHT`); not of a guessed reading ("del" read
  as detail would bring show, view, info: two guesses in a row); the related words of an
  everyday phrase of the query ("get rid of", "see someone") at the same weight, the phrase
  counting as one more word;
- short tokens that mix letters and digits ("2fa", "4g"), read as words as binding reads them
  (`agent.catalog.related_words.query_words`), not as identifiers.

An everyday English word (`agent.catalog.lexical.COMMON_WORDS`) is read only as itself and its
related words: "old" is no part of "sold", "order" none of "reorder". A word with several
readings of one kind shares the kind's weight between the `MAX_READINGS` of them that the most
actions hold, in proportion to how many hold each (a short or misspelt word most likely stands
for a common word of the catalog: "del" for delete before delay). Each query word then counts
once per action, by its strongest reading (BM25's part times the reading's weight and inverse
document frequency), so a word's many readings cannot add up to outweigh another word's exact
match.

A message of several sentences is read sentence by sentence (`sentences`): an action's score
is its best sentence's and `OTHER_SENTENCES_SHARE` of the others' ("Hi, hope you are well. My
mum's new phone won't connect. Thanks for your help!": the words of the greeting and the thanks,
"well", "help", "thanks", do not add up for actions the request never meant), and the name
coverage below is its best sentence's (with the other texts' words: the model's query and the
customer's message read together, as before).

That score is one ranking; the other is how much of the query each action's name says
(`name_coverage`: a name says what the action does in two or three words, whatever the length
of its description, which BM25's length normalisation weighs against), every matched action
in it: those whose name the query does not cover come after the others, by score, not left out
(an action left out of one ranking loses to any action both hold, and a word as common in names
as "details" covers many: "new card details" means the card on file, not a booking's details).
The two are fused by reciprocal rank (`agent.catalog.semantic.fuse`) at `SEARCH_RRF_K`, with the
semantic ranking when there is one.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from agent.catalog.index import ActionIndex
from agent.catalog.lexical import COMMON_WORDS, STOPWORDS, canonical, related_terms, stem, words
from agent.catalog.related_words import phrase_related, query_words, related

PART_WEIGHT = 0.6
"""A word read as the part of an indexed word it begins or ends (or the reverse)."""
NEAR_WEIGHT = 0.7
"""A word read as an indexed word one or two edits away (shared between equally near ones)."""
ABBREVIATION_WEIGHT = 0.6
"""A word read as the longer indexed word it abbreviates or begins (shared between the readings
kept)."""
SEARCH_RELATED_WEIGHT = 0.5
"""A related term's weight, the word's own being 1 (binding: 0.2)."""
SEARCH_UNSAID_RELATED_WEIGHT = 0.8
"""A related term's weight for a word no action says (binding: 0.4): nothing else speaks for it."""
EVERYDAY = COMMON_WORDS | STOPWORDS
"""Everyday English words: two of them joined make an everyday compound (`is_compound`)."""
SEARCH_RRF_K = 10
"""Reciprocal rank fusion's constant for the search (binding's: 60): the search returns a few
actions, so the first ranks of each ranking must count for more than a place in both."""
OTHER_SENTENCES_SHARE = 0.5
"""Share of an action's score from the sentences of a text other than its best one: half, so a
request said over two sentences ("My order came today. The lamp is cracked.") still adds up."""
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
"""Where a sentence ends: a stop, a question or exclamation mark, a semicolon before a space
("report.ipynb" and "core.parallelism" are one word), or a line break."""
RANKING_DEPTH = 200
"""Names kept of each ranking before they are fused: an action past the 200th of both cannot be
among the first few dozen fused (`SEARCH_RRF_K`), and a catalog of thousands is not sorted whole."""
MIN_PART = 3
"""Shortest word read as a part of a longer one (and shortest part read in a longer word)."""
MAX_ABBREVIATION = 5
"""Longest unknown word read as an abbreviation by its letters in order."""
MAX_READINGS = 3
"""Most readings of one kind kept for a word."""
MAX_CACHED = 4096
"""Words remembered with their readings per vocabulary version."""


@dataclass
class Vocabulary:
    """The index's plain words, read once per vocabulary version: word -> its routing term."""

    version: int
    terms: dict[str, str]
    holders: dict[str, int]
    """Word -> how many actions hold it."""
    listed: list[str]
    readings: dict[str, dict[str, float]] = field(default_factory=dict)
    """Word -> its readings (`word_readings`), kept until the vocabulary changes."""


@dataclass
class SearchReader:
    """Reads search queries against one index (`ActionRetriever` holds one beside its index);
    the index's vocabulary and each word's readings are kept until the vocabulary changes."""

    _vocabulary: Vocabulary | None = None

    def vocabulary(self, index: ActionIndex) -> Vocabulary:
        known = self._vocabulary
        if known is None or known.version != index.vocabulary_version:
            counts = {w: t for w, t in index.word_counts.items() if t}
            terms = {w: next(iter(t)) for w, t in counts.items()}
            holders = {w: sum(t.values()) for w, t in counts.items()}
            known = self._vocabulary = Vocabulary(index.vocabulary_version, terms, holders, list(terms))
        return known

    def rankings(
        self,
        index: ActionIndex,
        texts: Sequence[tuple[str, float]],
        among: Sequence[str],
        depth: int = RANKING_DEPTH,
    ) -> list[list[str]]:
        """Two rankings of the first `depth` names of `among` that the search's reading
        matches, best first (by name on ties), to be fused (`SEARCH_RRF_K`): by score
        (`search_scores`), and by how much of the query each action's name says
        (`name_coverage`, then score; a name the query does not cover at all after the others).
        Empty when nothing matches."""
        scores, pieces = search_scores(index, texts, self.vocabulary(index))
        hit = [name for name in among if scores.get(name, 0.0) > 0]
        if not hit:
            return []
        by_score = heapq.nsmallest(depth, hit, key=lambda n: (-scores[n], n))
        said = set().union(*pieces)
        covered: dict[str, tuple[float, float]] = {}
        for n in hit:
            terms = index.docs[n].name_terms
            if not said.isdisjoint(terms):  # most names hold none of the query's terms
                covered[n] = max(name_coverage(terms, m) for m in pieces)
        by_name = heapq.nsmallest(
            depth, covered, key=lambda n: (-covered[n][0], -covered[n][1], -scores[n], n)
        )
        by_name += [n for n in by_score if n not in covered][: depth - len(by_name)]
        return [by_score, by_name]


def _split(found: list[str], weight: float, vocabulary: Vocabulary) -> dict[str, float]:
    """`weight` shared between the terms of the `MAX_READINGS` plain words of `found` that the
    most actions hold, in proportion to how many hold each: a short or misspelt word most
    likely stands for a common word of the catalog ("del": delete before delay)."""
    if not found:
        return {}
    kept = sorted(found, key=lambda w: (-vocabulary.holders[w], len(w), w))[:MAX_READINGS]
    total = sum(vocabulary.holders[w] for w in kept)
    out: dict[str, float] = {}
    for w in kept:
        term = vocabulary.terms[w]
        out[term] = out.get(term, 0.0) + weight * vocabulary.holders[w] / total
    return out


def is_compound(word: str) -> bool:
    """Whether `word` is two everyday words joined ("handset", "doorstep", "somebody"): a word
    of its own, whose halves say something else ("set", "step", "body"); an identifier's parts
    are not both everyday words ("dagruns": dag)."""
    return any(word[:i] in EVERYDAY and word[i:] in EVERYDAY for i in range(2, len(word) - 1))


def _is_abbreviation(short: str, long: str) -> bool:
    if long[0] != short[0] or len(long) <= len(short) + 1:
        return False
    letters = iter(long)
    return all(c in letters for c in short)


def word_readings(index: ActionIndex, word: str, vocabulary: Vocabulary) -> dict[str, float]:
    """Term -> weight: how the search reads one plain word of its query (see the module)."""
    cached = vocabulary.readings.get(word)
    if cached is not None:
        return cached
    out: dict[str, float] = {}

    def add(found: dict[str, float]) -> None:
        for term, weight in found.items():
            out[term] = max(out.get(term, 0.0), weight)

    own = canonical(word)
    known = own in index.postings
    if known:
        out[own] = 1.0
    listed = vocabulary.listed
    plain = word.isalpha() and word not in COMMON_WORDS
    if len(word) >= MIN_PART and plain:
        holders = [v for v in listed if len(v) > len(word) and (v.startswith(word) or v.endswith(word))]
        add(_split(holders, PART_WEIGHT, vocabulary))
    if not known and plain:
        if not is_compound(word):
            parts = [
                v
                for v in listed
                if MIN_PART <= len(v) < len(word) and (word.startswith(v) or word.endswith(v))
            ]
            add(_split(parts, PART_WEIGHT, vocabulary))
        limit = 1 if len(word) < 8 else 2
        near = process.extract(word, listed, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if len(word) < MIN_PART:  # two letters: only a letter added at the end ("ad" -> add)
            near = [n for n in near if n[0].startswith(word)]
        if near:
            nearest = min(d for _, d, _ in near)
            add(_split([w for w, d, _ in near if d == nearest], NEAR_WEIGHT, vocabulary))
        if len(word) <= MAX_ABBREVIATION:
            add(_split([v for v in listed if _is_abbreviation(word, v)], ABBREVIATION_WEIGHT, vocabulary))
        begun = stem(word)  # the stemmer's, not a synonym group's head: a prefix of the word
        if len(begun) >= MIN_PART + 1:
            longer = [v for v in listed if len(v) > len(begun) and v.startswith(begun)]
            add(_split(longer, ABBREVIATION_WEIGHT, vocabulary))
    # related words of the word itself, known or not ("2fa": no action says it, its related
    # words may); not of a guessed reading (del -> detail -> show would be two guesses)
    share = SEARCH_RELATED_WEIGHT if known else SEARCH_UNSAID_RELATED_WEIGHT
    for other in (*related(own), *related_terms([word])):
        if other in index.postings:
            out[other] = max(out.get(other, 0.0), share)
    if len(vocabulary.readings) >= MAX_CACHED:
        vocabulary.readings.clear()
    vocabulary.readings[word] = out
    return out


def joined_readings(
    index: ActionIndex, plain: Sequence[str], vocabulary: Vocabulary
) -> list[dict[str, float]]:
    """For each two neighbouring words of a query that the catalog writes as one word ("pet
    store": petstore, "log out": logout), that word's term at weight 1 (stop words included:
    "out" of "log out" is one)."""
    found = []
    for first, second in pairwise(plain):
        term = vocabulary.terms.get(first + second)
        if term is not None and term in index.postings:
            found.append({term: 1.0})
    return found


def sentences(text: str) -> list[str]:
    """The sentences of a text (`SENTENCE_END`), empty ones left out; the text when it has one."""
    found = [s for s in SENTENCE_END.split(text) if s.strip()]
    return found if len(found) > 1 else [text]


def search_scores(
    index: ActionIndex, texts: Sequence[tuple[str, float]], vocabulary: Vocabulary
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Action -> the search's score for the (text, weight) queries: in each sentence of a text
    each word counts once per action, by its strongest reading; an action's score from a text is
    its best sentence's and `OTHER_SENTENCES_SHARE` of the others'; input patterns' values add
    their bonus. And, for each sentence, term -> the weight of its strongest reading by a word of
    the sentence or of the other texts (what `name_coverage` reads; one dict a text of one
    sentence, its union with the other texts, as when read whole)."""
    scores: dict[str, float] = {}
    if not index.docs:
        return scores, [{}]
    read = [
        [sentence_scores(index, s, weight, vocabulary) for s in sentences(text)] for text, weight in texts
    ]
    for per in read:
        found = [sentence for sentence, _ in per]
        for name in set().union(*found):
            values = [sentence.get(name, 0.0) for sentence in found]
            best = max(values)
            scores[name] = scores.get(name, 0.0) + best + OTHER_SENTENCES_SHARE * (sum(values) - best)
    index.add_pattern_bonus(texts, scores)
    whole = [_merged(said for _, said in per) for per in read]
    pieces: list[dict[str, float]] = []
    for i, per in enumerate(read):
        others = [w for j, w in enumerate(whole) if j != i]
        for _, said in per:
            piece = _merged([said, *others])
            if piece not in pieces:  # texts of one sentence each: one piece, their union
                pieces.append(piece)
    return scores, pieces or [{}]


def _merged(dicts: Iterable[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for d in dicts:
        for term, weight in d.items():
            out[term] = max(out.get(term, 0.0), weight)
    return out


def sentence_scores(
    index: ActionIndex, text: str, weight: float, vocabulary: Vocabulary
) -> tuple[dict[str, float], dict[str, float]]:
    """Action -> score for one sentence at `weight` (each word once per action, by its strongest
    reading), and term -> the weight of its strongest reading by any word."""
    scores: dict[str, float] = {}
    matched: dict[str, float] = {}
    readings = [word_readings(index, word, vocabulary) for word in dict.fromkeys(query_words(text))]
    plain = words(text)
    phrased = {t: SEARCH_RELATED_WEIGHT for t in phrase_related(plain) if t in index.postings}
    # a phrase counts once, like a word; so does a pair said apart that the catalog joins
    for read in (*readings, phrased, *joined_readings(index, plain, vocabulary)):
        best: dict[str, float] = {}
        for term, reading in read.items():
            parts = index.parts.get(term)
            if not parts:
                continue
            matched[term] = max(matched.get(term, 0.0), weight * reading)
            factor = weight * reading * index.idf(len(parts))
            for name, part in index.heaviest(term, parts):
                value = factor * part
                if value > best.get(name, 0.0):
                    best[name] = value
        for name, value in best.items():
            scores[name] = scores.get(name, 0.0) + value
    return scores, matched


def name_coverage(name_terms: Sequence[str], matched: dict[str, float]) -> tuple[float, float]:
    """How much of the query an action's name says, and how much of the name the query covers:
    the sum, over the name's terms, of the strongest reading that matched each (0 for a term no
    reading matched), and that sum's share of the name. Neither depends on how long the action's
    trigger and inputs are, as BM25 does: a long description buries `jhub_get_users` under the
    short ones of its API for "list hub users", and its name holds both words."""
    said = sum(matched.get(term, 0.0) for term in name_terms)
    return said, said / len(name_terms) if name_terms else 0.0
