"""The catalog search's wider reading of a customer's own words (`agent.catalog.search_ranking`),
by class of the requests binding missed and the search did not find: an everyday compound is no
identifier ("handset" is no "set"), a word no action says leans on its related words, two words
said apart are the one word the catalog writes ("pet store": petstore), an action whose name the
query does not cover still ranks by its score, and a long message is read sentence by sentence."""

from __future__ import annotations

from agent.catalog.lexical import canonical, words
from agent.catalog.retrieval import ActionRetriever
from agent.catalog.search_ranking import (
    OTHER_SENTENCES_SHARE,
    PART_WEIGHT,
    SEARCH_RELATED_WEIGHT,
    SEARCH_RRF_K,
    SEARCH_UNSAID_RELATED_WEIGHT,
    is_compound,
    joined_readings,
    sentences,
    word_readings,
)
from agent.catalog.semantic import RRF_K
from agent.state import Limits
from benchmarks import retrieval_set
from tests.test_search_ranking import catalog, found
from tools.compiler import ActionCatalog

ACTIONS = {
    "petstore_logout_user": "Log out current logged in user session.",
    "petstore_get_inventory": "Returns pet inventories by status.",
    "find_store": "Use when the customer looks for the nearest shop or branch.",
    "get_store_hours": "Use when the customer asks when a shop opens or closes.",
    "airflow_post_set_task_instances_state": "Set a state of task instances.",
    "jlab_get_lab_api_settings": "Get settings list.",
    "report_lost_phone": "Use when the customer's phone was lost or stolen and the SIM must be blocked.",
    "update_phone_number": "Use when the customer wants to change their phone number.",
    "airflow_get_dag_runs": "List DAG runs.",
}
"""Look-alikes by a word's part ("set" of "handset", "store" of "petstore") and the actions meant."""


def test_an_everyday_compound_is_not_read_as_its_halves() -> None:
    assert is_compound("handset") and is_compound("doorstep") and is_compound("somebody")
    assert not is_compound("dagruns") and not is_compound("jupyterhub")  # an identifier's parts
    retriever = ActionRetriever()
    cat = catalog(ACTIONS)
    index = retriever.index(cat)
    vocabulary = retriever._reader.vocabulary(index)
    assert canonical("set") not in word_readings(index, "handset", vocabulary)
    assert word_readings(index, "dagruns", vocabulary)[canonical("dag")] >= PART_WEIGHT
    # the phone actions, not the ones that set a state or list settings
    assert set(found(retriever, cat, "someone swiped my handset", n=2)) == {
        "report_lost_phone",
        "update_phone_number",
    }


def test_a_word_no_action_says_leans_on_its_related_words() -> None:
    retriever = ActionRetriever()
    cat = catalog(ACTIONS)
    index = retriever.index(cat)
    vocabulary = retriever._reader.vocabulary(index)
    assert word_readings(index, "handset", vocabulary)[canonical("phone")] == SEARCH_UNSAID_RELATED_WEIGHT
    assert SEARCH_UNSAID_RELATED_WEIGHT > SEARCH_RELATED_WEIGHT  # a word said speaks for itself
    # the phone actions first, not the ones that set a state or list settings
    assert set(found(retriever, cat, "my mobile handset", n=2)) == {
        "report_lost_phone",
        "update_phone_number",
    }


def test_two_words_said_apart_are_the_word_the_catalog_writes_as_one() -> None:
    retriever = ActionRetriever()
    cat = catalog(ACTIONS)
    index = retriever.index(cat)
    vocabulary = retriever._reader.vocabulary(index)
    assert joined_readings(index, words("sign me out of the pet store"), vocabulary) == [{"petstor": 1.0}]
    assert joined_readings(index, words("the store near my pet"), vocabulary) == []
    # the pet store's action before the shops' (binding ranks a shop first)
    assert retriever.ranked(cat, [("the pet store", 1.0)], 1) == ["find_store"]
    assert found(retriever, cat, "the pet store", n=1) == ["petstore_get_inventory"]


def test_an_action_whose_name_the_query_does_not_cover_still_ranks_by_its_score() -> None:
    # "card" reaches update_payment_method only through its trigger ("the card or payment
    # method on file"); names that say "card" or "details" no longer outvote it by being in both
    # rankings, and the first ranks of each ranking count (`SEARCH_RRF_K`)
    retriever = ActionRetriever()
    cat = ActionCatalog()
    cat.sync(retrieval_set.catalog())
    index = retriever.index(cat)
    query = "my card expired, i want to use a new one"
    by_score, by_name = retriever._reader.rankings(index, [(query, 1.0)], list(index.docs))
    assert set(by_name) == set(by_score)  # every matched action, covered names first
    assert by_name.index("update_payment_method") > by_name.index("block_card")
    assert SEARCH_RRF_K < RRF_K

    def rank(message: str, expected: str) -> int:
        names = [a.definition.name for a in retriever.search(cat, list(cat), message, 40)]
        return names.index(expected) + 1

    assert rank(query, "update_payment_method") <= 12  # 24th with names left out and k = 60
    assert (
        rank("ls the notebooks dir", "jserver_get_api_contents_path") <= Limits().search_results
    )  # was 34th


def test_a_long_message_is_read_sentence_by_sentence() -> None:
    assert sentences("what is core.parallelism set to? thanks!") == [
        "what is core.parallelism set to?",
        "thanks!",
    ]
    assert sentences("open report.ipynb") == ["open report.ipynb"]
    retriever = ActionRetriever()
    cat = ActionCatalog()
    cat.sync(retrieval_set.catalog())

    def first(message: str) -> str:
        return retriever.search(cat, list(cat), message, 1)[0].definition.name

    # the words of a greeting and a sign-off no longer add up for actions the request never meant
    # ("writing" -> upload, save; "great" -> feedback; "busy" -> status): 8th read whole
    padded = (
        "Hello, I am writing on behalf of my mum who is not great with computers. which airflow "
        "release is this. She would really appreciate a quick reply, we are both pretty busy this week."
    )
    assert first(padded) == "airflow_get_version"
    # a request said over two sentences still adds up (the other sentence counts at half)
    assert first("My order came this morning. The lamp inside is cracked.") == "report_damaged_item"
    assert 0 < OTHER_SENTENCES_SHARE < 1
