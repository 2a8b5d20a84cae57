"""What retrieval binds: the whole catalog within the token budget, test conversations as
evidence, and an index kept in step one action at a time."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from agent.catalog.offering import offered_actions
from agent.catalog.retrieval import ActionRetriever, query_texts
from agent.state import AgentState, Limits
from benchmarks.fixtures import generate_actions
from tools.compiler import ActionCatalog
from tools.conversation_case import TestConversation


def catalog_of(definitions) -> ActionCatalog:
    catalog = ActionCatalog()
    catalog.sync(definitions)
    return catalog


def offered(catalog, retriever, text: str, limits: Limits) -> list[str]:
    state: AgentState = {"messages": [HumanMessage(text)], "channel": "chat"}
    return [a.name for a in offered_actions(catalog, state, limits, retriever)]


def test_every_action_is_bound_while_the_tool_definitions_fit_the_budget() -> None:
    defs = generate_actions(60)
    catalog = catalog_of(defs)
    retriever = ActionRetriever()
    need = sum(retriever.tokens(a) for a in catalog)
    assert len(offered(catalog, retriever, "hello", Limits(tool_budget_tokens=need, top_k=5))) == 60
    assert len(offered(catalog, retriever, "hello", Limits(tool_budget_tokens=need - 1, top_k=5))) == 5
    assert len(offered(catalog, retriever, "hello", Limits(tool_budget_tokens=0, top_k=None))) == 60


def test_the_default_budget_binds_a_typical_catalog_of_forty_whole() -> None:
    retriever = ActionRetriever()
    forty = catalog_of(generate_actions(40))
    assert len(offered(forty, retriever, "hello", Limits())) == 40
    many = catalog_of(generate_actions(80))
    assert len(offered(many, ActionRetriever(), "hello", Limits())) == Limits().top_k


def _with_example(definition, message: str):
    example = TestConversation(message=message, expected_action=definition.name)
    return definition.model_copy(update={"test_conversations": [example]})


def test_an_actions_test_conversations_are_evidence_for_it() -> None:
    defs = generate_actions(200)
    target = defs[137]
    text = "my kettle is whistling"
    retriever = ActionRetriever()
    catalog = catalog_of(defs)
    before = [name for name, _ in retriever.index(catalog).ranked(query_texts([HumanMessage(text)]))]
    assert target.name not in before[:50]
    defs[137] = _with_example(target, "The kettle keeps whistling")
    catalog.sync(defs)
    ranked = retriever.index(catalog).ranked(query_texts([HumanMessage(text)]))
    assert ranked[0][0] == target.name
    assert target.name in offered(catalog, retriever, text, Limits(tool_budget_tokens=0, top_k=3))


def test_writing_an_example_re_reads_only_that_action_and_recompiles_nothing() -> None:
    defs = generate_actions(300)
    catalog = catalog_of(defs)
    retriever = ActionRetriever()
    retriever.index(catalog)
    assert retriever.reindexed == 300
    compiled_before = catalog.get(defs[5].name)
    defs[5] = _with_example(defs[5], "the widget flickers")
    diff = catalog.sync(defs)
    assert diff.compiled == [] and diff.examples == [defs[5].name]
    assert catalog.get(defs[5].name) is compiled_before  # the same compiled action, new examples
    retriever.index(catalog)
    assert retriever.reindexed == 301


def test_an_edit_or_a_removal_touches_only_that_action() -> None:
    defs = generate_actions(300)
    catalog = catalog_of(defs)
    retriever = ActionRetriever()
    retriever.index(catalog)
    edited = defs[10].model_copy(update={"trigger": "Use when the customer's kettle whistles oddly."})
    catalog.sync([edited, *defs[11:]])
    index = retriever.index(catalog)
    assert retriever.reindexed == 301 and len(index) == 290
    assert index.ranked([("kettle whistles", 1.0)])[0][0] == edited.name
    assert all(defs[i].name not in index.docs for i in range(10))
    # the same catalog revision again: nothing is read
    retriever.index(catalog)
    assert retriever.reindexed == 301


def test_an_index_built_by_edits_ranks_as_one_built_at_once() -> None:
    defs = generate_actions(120, seed=3)
    stepwise = ActionRetriever()
    catalog = catalog_of(defs[:60])
    stepwise.index(catalog)
    catalog.sync(defs)
    stepwise.index(catalog)
    at_once = ActionRetriever()
    whole = catalog_of(defs)
    queries = (
        "cancel my subscription",
        "refund for order ORD-1234",
        "where is my delivery",
        "update the plan",
    )
    for text in queries:  # the same actions on top; scores within the average-length drift
        texts = [(text, 1.0)]
        top = {n for n, _ in stepwise.index(catalog).ranked(texts, 5)}
        assert len(top & {n for n, _ in at_once.index(whole).ranked(texts, 5)}) >= 4
    stepwise.index(catalog).reweigh()  # at the same average length, exactly the same ranking
    for text in queries:
        texts = [(text, 1.0)]
        assert stepwise.index(catalog).ranked(texts) == at_once.index(whole).ranked(texts)


def test_a_search_ranks_the_whole_allowed_catalog() -> None:
    defs = generate_actions(200)
    catalog = catalog_of(defs)
    retriever = ActionRetriever()
    allowed = list(catalog)
    found = retriever.search(catalog, allowed, "cancel subscription", 4)
    assert len(found) == 4
    assert all("cancel" in a.name or "subscription" in a.name for a in found)
    assert retriever.search(catalog, allowed[:0], "cancel subscription", 4) == []


def test_in_a_long_message_the_sentence_that_asks_counts_more_than_its_greeting_and_sign_off() -> None:
    """A long message wraps its request in sentences that name no action ("thanks for your help,
    I've been a customer for years"): the request's sentence counts whole for an action, the
    others at a quarter, so words of the wrapping do not outvote it."""
    from agent.catalog.index import OTHER_SENTENCES_WEIGHT

    defs = generate_actions(60)
    catalog = catalog_of(defs)
    retriever = ActionRetriever()
    index = retriever.index(catalog)
    request = "where is my parcel"
    wrapped = f"Hi there, hope you are well. {request}. Thanks a lot in advance for your help!"
    whole = index.scores([(request, 1.0)])
    long = index.scores([(wrapped, 1.0)])
    ends = index.scores([("Hi there, hope you are well. Thanks a lot in advance for your help!", 1.0)])
    for (
        name,
        score,
    ) in whole.items():  # an action the request names keeps its score, and at most a quarter more
        assert score <= long[name] <= score + OTHER_SENTENCES_WEIGHT * ends.get(name, 0.0) + 1e-9
    assert any(ends.get(name, 0.0) > 0 for name in whole)  # the wrapping's words do match some of them
    assert 0 < OTHER_SENTENCES_WEIGHT < 1
