"""How the shared pipeline (`agent.catalog.lexical.normalise`) reads two-word verbs in every
form, a verb used as a noun, a verb with no object, and paths and file names."""

from __future__ import annotations

import pytest

from agent.catalog.lexical import normalise, terms


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("when my purchase turns up", "when my purchase arrive"),  # third person of "turn up"
        ("it never shows up", "it never missing arrive"),
        ("he pushes it back", "he postpone it"),
        ("the stuff i posted back", "the stuff i return"),
        ("the charger was left out of the box", "the charger was missing of the box"),
    ],
)
def test_a_two_word_verb_is_read_in_every_form(message: str, read: str) -> None:
    assert normalise(message) == read


def test_take_off_with_no_object_is_a_departure_and_with_one_an_opt_out() -> None:
    assert normalise("has ba123 taken off yet") == "has ba123 takeoff yet"
    assert normalise("did the plane take off") == "did the plane takeoff"
    assert normalise("take me off the list") == "optout me the list"
    assert normalise("i want to be taken off the mailing list") == "i want to be optout the newsletter"


def test_a_verb_after_a_determiner_is_a_noun() -> None:
    assert normalise("can i get my pass on my phone") == "can i get my pass on my phone"
    assert normalise("pass me on to a manager") == "escalate me to a manager"


def test_a_path_or_a_file_name_is_read_as_its_kind_and_cat_before_it_prints_it() -> None:
    assert normalise("cat work/report.ipynb") == "read path ipynb"
    assert normalise("snapshot report.ipynb before I edit it.") == "snapshot ipynb before i edit it"
    assert normalise("resolve ~/data/x.csv") == "resolve path csv"
    assert "pet" not in terms("cat work/report.ipynb")
    # an address on the web, an e-mail address and a date keep their words
    assert normalise("events for s3://raw/orders") == "events for s3 raw orders"
    assert normalise("write to a.b@example.com") == "write to a.b@example.com"
    assert normalise("my cat is ill") == "my cat is ill"


def test_cat_opening_a_command_prints_and_the_end_of_a_period_is_a_time() -> None:
    assert normalise("cat the source of the dag file") == "read the source of the dag file"
    assert normalise("cat food is out of stock") == "cat food is out of stock"
    # "until the end of the month" asks to end nothing
    assert "cancel" not in terms("more data until the end of the month")
    assert "cancel" in terms("end my contract")


def test_repayments_are_a_loans_and_being_repaid_a_refund() -> None:
    assert "refund" not in terms("what would the repayments be")
    assert "refund" in terms("have i been repaid")


def test_chat_spellings_read_as_the_words_they_stand_for() -> None:
    assert normalise("wheres my parcel rn") == "track my parcel right now"
    assert normalise("can u move it to tmrw") == "can you move it to tomorrow"
    assert terms("my acc is locked") == terms("my account is locked")
