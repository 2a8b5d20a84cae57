"""How the retriever reads a message against the catalog: typos near several words, related
words, camel-case compounds in an action's description, and the namespaces of action names."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from agent.catalog.index import NAMESPACE_WEIGHT
from agent.catalog.lexical import canonical
from agent.catalog.related_words import RELATED_WEIGHT, UNSAID_RELATED_WEIGHT, related
from agent.catalog.retrieval import ActionRetriever, name_text, split_compounds
from tests.support.retrieval_catalogs import catalog_of as bare_catalog
from tests.support.retrieval_catalogs import ranked as ranked_first
from tools.compiler import ActionCatalog


def catalog_of(*actions: tuple[str, str]) -> ActionCatalog:
    return bare_catalog(actions, method="GET")


def ranked(catalog: ActionCatalog, text: str) -> list[str]:
    return ranked_first(catalog, text, 10)


SHOP = (
    ("check_product_stock", "Use when the customer asks whether a product is in stock."),
    ("stop_newsletter", "Use when the customer wants to stop a newsletter."),
    ("book_flight", "Use when the customer wants to book a flight."),
    ("book_table", "Use when the customer wants to reserve a table at a restaurant."),
    ("find_store", "Use when the customer looks for the nearest shop."),
)


def test_a_typo_as_near_two_words_is_read_as_both_at_half_weight() -> None:
    catalog = catalog_of(*SHOP)
    retriever = ActionRetriever()
    # "stok" is one edit from "stock" and from "stop": no single correction exists
    terms = retriever.index(catalog).query_terms("is this in stok")
    assert terms == {canonical("stock"): 0.5, canonical("stop"): 0.5}
    assert set(ranked(catalog, "is this in stok")[:2]) == {"check_product_stock", "stop_newsletter"}
    assert ranked(catalog, "is this in stock")[0] == "check_product_stock"


def test_a_related_word_brings_its_action_in_below_the_actions_own_word() -> None:
    catalog = catalog_of(*SHOP)
    terms = ActionRetriever().index(catalog).query_terms("I need plane tickets")
    # no action says "plane": its related words speak for it, more than a said word's would
    assert terms[canonical("flight")] == UNSAID_RELATED_WEIGHT < terms[canonical("plane")]
    assert canonical("flight") in related(canonical("plane"))
    assert ranked(catalog, "I need plane tickets") == ["book_flight"]
    # an action saying the message's own word ranks above one saying only a related word
    with_plane = catalog_of(*SHOP, ("charter_plane", "Use when the customer wants to charter a plane."))
    terms = ActionRetriever().index(with_plane).query_terms("I need a plane")
    assert terms[canonical("flight")] == RELATED_WEIGHT < UNSAID_RELATED_WEIGHT
    assert ranked(with_plane, "I need a plane") == ["charter_plane", "book_flight"]


def test_a_camel_case_compound_in_a_description_is_read_as_its_parts_too() -> None:
    assert split_compounds("the JupyterHub version") == "the JupyterHub jupyter hub version"
    assert split_compounds("a plain sentence, no humps") == "a plain sentence, no humps"
    catalog = catalog_of(
        ("get_version_a", "Use when the user wants the Jupyter Server version."),
        ("get_version_b", "Use when the user wants the JupyterHub version."),
    )
    assert ranked(catalog, "which hub version is it")[0] == "get_version_b"
    assert ranked(catalog, "jupyterhub version")[0] == "get_version_b"


def test_a_word_a_namespace_begins_or_ends_with_reads_as_the_namespace_too() -> None:
    catalog = catalog_of(
        ("jhub_get_users", "List users."),
        ("jhub_get_groups", "List groups."),
        ("jhub_post_user", "Create a user."),
        ("airflow_get_users", "List users."),
        ("airflow_get_pools", "List pools."),
        ("airflow_post_user", "Create a user."),
        ("reorder_items", "Use when the customer wants to order the same items again."),
        ("cancel_order", "Use when the customer wants to cancel an order."),
    )
    index = ActionRetriever().index(catalog)
    # `jhub` starts three names: a namespace, the API's name shortened; no trigger says "hub"
    assert index.query_terms("list hub users")[canonical("jhub")] == NAMESPACE_WEIGHT
    assert ranked(catalog, "list hub users")[0] == "jhub_get_users"
    # an everyday word is read only as itself, and a first word of one or two names is none
    assert index.namespaces_holding("order") == []
    assert canonical("reorder") not in index.query_terms("cancel my order")
    # a word the namespace shortens: its first letter, letters in order, its ending
    assert index.query_terms("jupyterhub users")[canonical("jhub")] == NAMESPACE_WEIGHT
    assert index.namespaces_holding("jupyter") == []


def test_a_names_http_post_is_not_read_as_posting_a_letter() -> None:
    assert name_text("jhub_post_user") == "jhub user"
    assert name_text("get_postage_rates") == "get postage rates"
    catalog = catalog_of(
        ("jhub_post_user", "Create a single user."),
        ("track_shipment", "Use when the customer asks whether their parcel has shipped."),
    )
    assert canonical("post") not in ActionRetriever().index(catalog).docs["jhub_post_user"].weights
    assert ranked(catalog, "has it been posted") == ["track_shipment"]


def test_words_that_name_things_in_a_catalog_are_kept_though_the_router_drops_them() -> None:
    catalog = catalog_of(
        ("get_dag", "Use when the user wants to get a DAG."),
        ("get_dag_run", "Use when the user wants to get a DAG run."),
    )
    assert ranked(catalog, "show me the dag run")[0] == "get_dag_run"
    assert ranked(catalog, "show me the dag")[0] == "get_dag"
    assert "run" not in ActionRetriever().index(catalog).query_terms("show me the dag")


def test_a_search_reads_the_customers_message_beside_the_models_query() -> None:
    catalog = catalog_of(*SHOP)
    allowed = list(catalog)
    messages = [HumanMessage("is the grey sofa in stock?")]
    retriever = ActionRetriever()
    # the model's query lost the customer's words; their message still counts, at half weight
    assert retriever.search(catalog, allowed, "other options", 2) == []
    found = retriever.search(catalog, allowed, "other options", 2, messages)
    assert [a.definition.name for a in found] == ["check_product_stock"]
    # the model's own words lead: a query naming another action ranks it first
    found = retriever.search(catalog, allowed, "book a flight", 3, messages)
    assert found[0].definition.name == "book_flight"
    assert "check_product_stock" in [a.definition.name for a in found]
