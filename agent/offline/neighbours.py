"""Telling close neighbours apart: what in a message names one of the tools that score about the
same, beyond the weight of their words (`Router._route` reads these in turn).

- a phrase of the name: two words side by side in one tool's name, in their order ("simple
  interest" names `calculate_simple_interest` beside `calculate_mortgage_payment`);
- the verb of the name, said itself or through a related word ("hear" says the `play` of
  `Music_1_PlayMedia` beside `Music_1_LookupMusic`);
- and what says none of them: a related word that reaches each close tool in a term the others
  lack ("hear": "song" for the look-up, "play" for the player) speaks for all, for none alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from agent.catalog.lexical import canonical, related_terms
from agent.offline.naming import READ_VERBS, is_lookup_name, name_phrases, name_verb


def says_name_phrase(name: str, said: Sequence[str]) -> bool:
    """Whether the message's routing terms, in order, hold a phrase of the tool's name
    (`naming.name_phrases`)."""
    pairs = set(name_phrases(name))
    return bool(pairs) and any(pair in pairs for pair in pairwise(said))


def says_name_verb(name: str, name_words: Sequence[str], said: set[str], verbs: frozenset[str]) -> bool:
    """Whether the message says the verb of the tool's name (`name_verb`, else its first word
    among `verbs`, those many tools begin with) - `said` holds its routing terms and the terms
    its words relate to. A verb that only looks up ("check", "get") says how, not which."""
    if is_lookup_name(name):
        return False  # `order_status` names no operation in "order": "deliver order ORD-1002 ..."
    verb = name_verb(name) or next((w for w in name_words if w in verbs), None)
    return verb is not None and verb not in READ_VERBS and canonical(verb) in said


def reached_in_common(
    weights: Sequence[Mapping[str, float]], plain: Iterable[str], said: set[str]
) -> set[str]:
    """Terms the message meets only through a related word that reaches every close tool (of
    these term weights), each in a term the others lack: no subject of any one of them. "rain",
    which reaches a forecast tool in "forecast" and a current-weather tool only in the
    "weather" both use, still speaks for the forecast. `said`: the message's own terms."""
    common: set[str] = set()
    for word in set(plain):
        reached = [{t for t in related_terms([word]) if w.get(t)} for w in weights]
        if len(reached) > 1 and all(
            own - set().union(*(r for r in reached if r is not own)) for own in reached
        ):
            common |= set().union(*reached) - said
    return common
