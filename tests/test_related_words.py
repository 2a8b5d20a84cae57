"""Indirect wording: a request that shares no word with its action reaches it through the general
table of related words and phrases (`agent.catalog.related_words`), in binding and in the
catalog search, while an action saying the customer's own word still ranks first."""

from __future__ import annotations

from agent.catalog import index as index_module
from agent.catalog.lexical import canonical, words
from agent.catalog.related_words import PHRASE_WEIGHT, RELATED_WEIGHT, UNSAID_RELATED_WEIGHT, phrase_related
from agent.catalog.retrieval import ActionRetriever
from tests.support.retrieval_catalogs import catalog_of, offered_and_allowed, ranked

LOOK_ALIKES = (
    ("delete_account", "Use when the customer wants their account and personal data erased."),
    ("update_account_email", "Use when the customer wants to change the e-mail address on their account."),
    ("unlock_account", "Use when the customer's account is locked after too many attempts."),
    ("book_appointment", "Use when the customer wants to book an appointment or consultation."),
    ("cancel_appointment", "Use when the customer wants to cancel an appointment."),
    ("list_appointments", "Use when the customer asks which appointments they have coming up."),
    ("request_refund", "Use when the customer wants a refund for an order."),
    ("get_refund_status", "Use when the customer asks whether a refund was issued."),
    ("file_warranty_claim", "Use when the customer wants a faulty product repaired under warranty."),
    ("get_warranty_status", "Use when the customer asks whether a product is under warranty."),
    ("logout_user", "Use when the user wants to log out of the current session."),
    ("login_user", "Use when the user wants to log in."),
    ("delete_file", "Use when the user wants to delete a file at a path."),
    ("rename_file", "Use when the user wants to rename a file at a path."),
    ("apply_discount_code", "Use when the customer wants a promo or discount code applied to an order."),
    ("request_callback", "Use when the customer wants someone to phone them back."),
    ("report_lost_phone", "Use when the customer's phone was lost and must be blocked."),
)


INDIRECT = {
    "I want you to forget me": "delete_account",
    "I'd like to see someone next week": "book_appointment",
    "sign me out please": "logout_user",
    "get rid of notes.txt": "delete_file",
    "I have a voucher, how do I use it": "apply_discount_code",
    "someone nicked my mobile on the bus": "report_lost_phone",
    "can you give me a bell this afternoon": "request_callback",
}


def test_indirect_requests_rank_their_action_first_among_look_alikes() -> None:
    catalog = catalog_of(LOOK_ALIKES)
    assert {text: next(iter(ranked(catalog, text)), None) for text in INDIRECT} == INDIRECT


def test_indirect_requests_are_offered_when_the_catalog_is_ranked() -> None:
    # a small budget and k: the catalog no longer fits, so binding ranks and offers three
    catalog = catalog_of(LOOK_ALIKES)
    for text, expected in INDIRECT.items():
        offered, allowed = offered_and_allowed(catalog, text)
        assert len(offered) < allowed
        assert expected in offered, (text, offered)


def test_a_phrase_matches_with_words_between_and_inflected() -> None:
    assert canonical("logout") in phrase_related(words("she signed me out"))
    assert canonical("delete") in phrase_related(words("we got rid of it"))
    assert canonical("callback") in phrase_related(words("give me a bell"))
    assert not phrase_related(words("sign the form and send it out"))  # too far apart
    assert not phrase_related(words("me forget"))  # in order only


def test_a_stop_word_of_a_group_brings_its_group_in_at_the_related_weight() -> None:
    # "again" and "all" are stop words: dropped as words, they still say reorder and list
    assert phrase_related(words("get me that coffee again"))[canonical("reorder")] == RELATED_WEIGHT
    assert phrase_related(words("show all dags"))[canonical("list")] == RELATED_WEIGHT
    # "get" and "up" are too common to speak for their groups
    assert not phrase_related(words("can i get it up here"))


def test_everyday_phrases_of_notifying_sharing_and_fraud() -> None:
    assert canonical("notify") in phrase_related(words("ping me when it is back"))
    assert canonical("share") in phrase_related(words("let dave use my server"))
    assert canonical("fraud") in phrase_related(words("payments I never made"))
    assert canonical("reschedule") in phrase_related(words("I can't make my 3pm"))
    assert canonical("ticket") in phrase_related(words("can someone look into it"))


def test_a_phrase_brings_its_words_in_at_the_phrase_weight() -> None:
    index = ActionRetriever().index(catalog_of(LOOK_ALIKES))
    terms = index.query_terms("we got rid of the notes")
    assert terms[canonical("delete")] == PHRASE_WEIGHT
    assert terms[canonical("note")] == 1.0
    # "forget" is a word no action says: its own related words come in at the higher weight
    terms = index.query_terms("I want you to forget me")
    assert terms[canonical("delete")] == UNSAID_RELATED_WEIGHT
    assert terms[canonical("forget")] == 1.0


def test_the_actions_own_word_still_ranks_above_a_related_word() -> None:
    forget = ("forget_device", "Use when the customer wants a remembered device forgotten.")
    catalog = catalog_of((*LOOK_ALIKES, forget))
    # "forget" is forget_device's own word, and a related word of deletion: the own word wins
    assert ranked(catalog, "please forget my old laptop")[0] == "forget_device"
    assert ranked(catalog, "I want you to forget me")[:2] == ["forget_device", "delete_account"]
    # "refund" itself: the refund actions first, not the warranty claim "money" might suggest
    assert set(ranked(catalog, "I want a refund")[:2]) == {"request_refund", "get_refund_status"}
    # "delete" said: delete_file over delete_account's "erased" (a related word of delete)
    assert ranked(catalog, "delete the file")[0] == "delete_file"


def test_the_catalog_search_reads_phrases_too() -> None:
    catalog = catalog_of(LOOK_ALIKES)
    retriever = ActionRetriever()
    allowed = list(catalog)
    found = [a.definition.name for a in retriever.search(catalog, allowed, "get rid of it", 3)]
    assert found[0] in {"delete_file", "delete_account"}
    found = [a.definition.name for a in retriever.search(catalog, allowed, "see someone", 3)]
    assert found[0] == "book_appointment"


def test_a_related_term_walks_only_its_heaviest_postings() -> None:
    # many actions saying "erase" (a related word of delete), one saying it twice: a message
    # saying "delete" reaches the heaviest holders of "erase", not all of them
    rest = [
        (f"records_{i}", "Use when the customer wants records erased.")
        for i in range(1, index_module.RELATED_POSTINGS + 20)
    ]
    many = (("records_0", "Erased records, erased, erased."), *rest)
    index = ActionRetriever().index(catalog_of(many))
    scores = index.scores([("delete", 1.0)])
    assert len(scores) == index_module.RELATED_POSTINGS
    assert max(scores, key=scores.__getitem__) == "records_0"
    assert len(index.scores([("erase", 1.0)])) == len(many)  # the word itself walks them all
