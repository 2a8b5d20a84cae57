"""The phrases the offline model names actions with, checked on over a hundred action names
written by different hands: this project's catalogs and demo, and the function-calling catalogs
of the offline model's measuring sets (`Music_3_LookupMusic`, `turnOnLights`, `calc_loan_payment`)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from agent.offline.replies import clarified_candidates, clarify, indefinite, offer, plain_reply, tool_phrase

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def action_names() -> list[str]:
    names: list[str] = []
    for catalogs in ("offline_heldout_catalogs.json", "offline_dev_catalogs.json"):
        for catalog in json.loads((DATA / catalogs).read_text()).values():
            names += [f["name"] for f in catalog["functions"]]
    names += [a["name"] for a in json.loads((DATA / "routing_actions.json").read_text())]
    names += [a["name"] for a in json.loads((ROOT / "demo" / "actions.json").read_text())]
    names += ["track_a_return", "get_the_invoice", "cancel_my_order", "add_to_cart", "log_in_help"]
    return list(dict.fromkeys(names))


BROKEN = re.compile(
    r"\b(a|an|the|your)\s+(a|an|the|your|my|our)\b|\b(\w+)\s+\3\b|\d|_|[A-Z]|\b\w*(?:eing|[^aeiou]ing)ing\b"
)
"""Two articles in a row ("tracking an a return"), a doubled word, digits, a raw name, or a
doubled ending."""
FLAT_GERUNDS = {"reseting", "skiping", "submiting", "transfering", "stoping", "geting", "seting"}


def test_phrases_read_as_english_on_a_hundred_action_names() -> None:
    names = action_names()
    assert len(names) >= 100
    for name in names:
        phrase = tool_phrase(name)
        for text in (phrase.listing, phrase.infinitive):
            assert text and not BROKEN.search(text), (name, text)
            assert not FLAT_GERUNDS & set(text.split()), (name, text)
            m = re.search(r"\b(a|an) (\w+)", text)
            if m:  # the article agrees with the sound of the word after it
                assert m.group(1) == indefinite(m.group(2)), (name, text)
        assert phrase.listing.split()[0].endswith("ing"), (name, phrase.listing)


def test_phrase_examples() -> None:
    assert tool_phrase("track_a_return").listing == "tracking a return"
    assert tool_phrase("Music_3_LookupMusic").listing == "looking up music"
    assert tool_phrase("turnOnLights").infinitive == "turn on your lights"
    assert tool_phrase("reset_password").listing == "resetting your password"
    assert tool_phrase("get_order_status").infinitive == "get an order status"
    assert tool_phrase("issue_refund").listing == "issuing a refund"
    assert tool_phrase("process_return").infinitive == "process a return"
    assert tool_phrase("issue_status").listing == "checking an issue status"  # a noun before a status
    assert tool_phrase("report_issue").listing == "reporting an issue"
    assert tool_phrase("escalate_to_human").listing == "escalating to a human"
    assert tool_phrase("contact_support").infinitive == "contact support"
    assert [indefinite(w) for w in ("order", "user", "hour", "one-off", "bill")] == [
        "an",
        "a",
        "an",
        "a",
        "a",
    ]


def test_clarifying_questions_are_read_back_for_every_pair() -> None:
    names = action_names()
    for first, second in itertools.pairwise(names):
        if tool_phrase(first).infinitive in tool_phrase(second).infinitive or (
            tool_phrase(second).infinitive in tool_phrase(first).infinitive
        ):
            continue  # one phrase inside the other cannot be told apart by position
        question = clarify(first, second)
        assert clarified_candidates(question, [first, second]) == [first, second], question
    assert offer(names[:3], 3).startswith("I can help with things like ")


def test_a_no_is_answered_as_a_no_and_a_no_with_a_request_as_the_request() -> None:
    names = ["get_order_status", "issue_refund"]
    for said in ("no", "no thank you", "nope", "nah i am good", "not now thanks"):
        assert plain_reply(said, names, 3) == "No problem. Is there anything else I can help with?", said
    assert plain_reply("no that all", names, 3) == "Alright. Thanks for getting in touch!"
    assert plain_reply("ok thanks bye", names, 3) == "You're welcome, and thanks for getting in touch!"
    assert plain_reply("thank you", names, 3).startswith("You're welcome!")
    asked = plain_reply("no i want to know about your return policy", names, 3)
    assert asked.startswith("I'm not sure I can help with that.") and "issuing a refund" in asked


def test_a_yes_to_nothing_offered_asks_what_to_do() -> None:
    for said in ("yes please", "ok", "sure go ahead"):
        answer = plain_reply(said, ["get_order_status", "issue_refund"], 3)
        assert answer.startswith("Happy to help.") and answer.endswith("What would you like me to do?")
        assert "not sure" not in answer


def test_thanks_with_a_question_is_no_thanks_alone() -> None:
    assert not plain_reply("thanks where is my refund", ["get_order_status"], 3).startswith("You're welcome")
