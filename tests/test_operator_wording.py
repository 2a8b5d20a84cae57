"""Operator wording: terse commands in an engineer's slang and shorthand ("nuke", "bump",
"bounce", "spin up", "tear down", "whoami", "cfg", "conn") reach their API operation among its
look-alikes through the general table of related words and phrases
(`agent.catalog.related_words`), while an action saying the message's own word still ranks
above one that only says a related word."""

from __future__ import annotations

from agent.catalog.lexical import canonical
from agent.catalog.related_words import RELATED_WEIGHT, UNSAID_RELATED_WEIGHT
from agent.catalog.retrieval import ActionRetriever
from tests.support.retrieval_catalogs import catalog_of, offered_and_allowed, ranked

OPERATIONS = (
    ("start_kernel", "Use when the user wants to start a kernel and has provided the name."),
    ("get_kernel", "Use when the user wants to get kernel information and has provided the kernel id."),
    ("delete_kernel", "Use when the user wants to delete a kernel and has provided the kernel id."),
    ("restart_kernel", "Use when the user wants to restart a kernel and has provided the kernel id."),
    ("interrupt_kernel", "Use when the user wants to interrupt a kernel and has provided the kernel id."),
    ("start_user_server", "Use when the user wants to start a user's notebook server."),
    ("stop_user_server", "Use when the user wants to stop a user's notebook server."),
    ("get_user", "Use when the user wants to get a user by name."),
    ("get_current_user", "Use when the user wants to get the identity of the currently authenticated user."),
    ("get_pool", "Use when the user wants to get a pool and has provided the pool name."),
    ("update_pool", "Use when the user wants to update a pool and has provided the pool name."),
    ("delete_pool", "Use when the user wants to delete a pool and has provided the pool name."),
    ("get_connection", "Use when the user wants to get a connection and has provided the connection id."),
    (
        "delete_connection",
        "Use when the user wants to delete a connection and has provided the connection id.",
    ),
    ("test_connection", "Use when the user wants to test a connection."),
    ("get_config", "Use when the user wants to get the current configuration."),
    ("get_version", "Use when the user wants to get version information."),
    ("get_health", "Use when the user wants to get the health status of the scheduler."),
    ("get_variable", "Use when the user wants to get a variable and has provided the variable key."),
    ("delete_variable", "Use when the user wants to delete a variable and has provided the variable key."),
)

COMMANDS = {
    "nuke kernel 7f3a": "delete_kernel",
    "bounce kernel 7f3a": "restart_kernel",
    "spin up a python3 kernel": "start_kernel",
    "tear down alice's notebook server": "stop_user_server",
    "whoami": "get_current_user",
    "bump the slots of pool default_pool to 64": "update_pool",
    "nuke the conn old_mysql": "delete_connection",
    "poke the conn aws_default": "test_connection",
    "dump the cfg": "get_config",
    "healthcheck": "get_health",
    "rm var old_token": "delete_variable",
}


def test_operator_commands_rank_their_operation_first_among_look_alikes() -> None:
    catalog = catalog_of(OPERATIONS)
    assert {text: next(iter(ranked(catalog, text)), None) for text in COMMANDS} == COMMANDS


def test_operator_commands_are_offered_when_the_catalog_is_ranked() -> None:
    # a small budget and k: the catalog no longer fits, so binding ranks and offers three
    catalog = catalog_of(OPERATIONS)
    for text, expected in COMMANDS.items():
        offered, allowed = offered_and_allowed(catalog, text)
        assert len(offered) < allowed
        assert expected in offered, (text, offered)


def test_shorthand_the_table_knows_is_not_read_as_a_typo() -> None:
    # "addr" is one edit from "add", "diag" from "dag": known shorthand is read as what it stands for
    catalog = catalog_of(
        (
            ("add_dag", "Use when the user wants to add a dag."),
            ("update_address", "Use when the customer wants to change the address on their account."),
            ("run_line_test", "Use when the customer's line needs a test."),
        )
    )
    index = ActionRetriever().index(catalog)
    assert canonical("add") not in index.query_terms("addr")
    assert canonical("dag") not in index.query_terms("run a diag")
    assert ranked(catalog, "addr pls")[0] == "update_address"
    assert ranked(catalog, "run a diag on the line")[0] == "run_line_test"


def test_an_unsaid_words_related_terms_weigh_more_and_still_less_than_the_word() -> None:
    catalog = catalog_of(OPERATIONS)
    terms = ActionRetriever().index(catalog).query_terms("nuke kernel 7f3a")
    assert terms[canonical("delete")] == UNSAID_RELATED_WEIGHT < terms[canonical("nuke")] == 1.0
    # once an action says "nuke" itself, the word's related terms fall back to the related weight
    nuke = (("nuke_cache", "Use when the user wants to nuke the cache."),)
    terms = ActionRetriever().index(catalog_of((*OPERATIONS, *nuke))).query_terms("nuke kernel 7f3a")
    assert terms[canonical("delete")] == RELATED_WEIGHT


def test_the_actions_own_word_still_outranks_a_related_one() -> None:
    own = (
        ("nuke_cache", "Use when the user wants to nuke the cache."),
        ("bump_version", "Use when the user wants to bump the package version."),
        ("bounce_message", "Use when the user wants to bounce an e-mail message back to its sender."),
    )
    catalog = catalog_of((*OPERATIONS, *own))
    # the action saying the word first, the operations its related words name next
    nuked = ranked(catalog, "nuke it")
    assert nuked[0] == "nuke_cache" and nuked[1].startswith(("delete_", "stop_"))
    bumped = ranked(catalog, "bump it")
    assert bumped[0] == "bump_version" and bumped[1] == "update_pool"
    assert ranked(catalog, "bounce it")[:2] == ["bounce_message", "restart_kernel"]
    # the operation's own word said: delete_kernel over nuke_cache, restart_kernel over bounce
    assert ranked(catalog, "delete the kernel")[0] == "delete_kernel"
    assert ranked(catalog, "restart the kernel")[0] == "restart_kernel"
