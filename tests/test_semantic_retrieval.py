"""Semantic retrieval against a local OpenAI-compatible embeddings server: action vectors are
computed once per action version and kept in the database, the customer's message once per
turn, and a failing endpoint leaves the turn on lexical ranking with a note in its trace."""

from __future__ import annotations

import asyncio
from typing import cast

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import OpenAIEmbeddings
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import SecretStr

from agent.catalog.retrieval import ActionRetriever, query_texts
from agent.catalog.semantic import SemanticRanker, fuse
from agent.graph import compile_graph
from agent.state import AgentContext, Executor, Limits
from agent.wiring.llm import make_embeddings
from agent.wiring.runtime import make_retriever
from agent.wiring.settings import Settings
from benchmarks.fixtures import generate_actions
from storage.action_vectors import ActionVectorStore
from storage.db import init_db, make_engine
from tests.support.embeddings_server import EmbeddingsServer, embeddings_server
from tests.support.scripted_model import ScriptedChatModel
from tools.compiler import ActionCatalog


@pytest.fixture
def emb_srv():
    with embeddings_server() as srv:
        yield srv


@pytest.fixture
async def embeddings_for():
    """OpenAIEmbeddings on a client of this test's own event loop (the default one is shared
    between loops), closed when the test ends."""
    clients: list[httpx.AsyncClient] = []

    def make(srv: EmbeddingsServer) -> OpenAIEmbeddings:
        clients.append(httpx.AsyncClient())
        return OpenAIEmbeddings(
            model="stand-in",
            openai_api_key=SecretStr("k"),
            openai_api_base=srv.base_url + "/v1",
            check_embedding_ctx_length=False,
            http_async_client=clients[-1],
            max_retries=0,
        )

    yield make
    for client in clients:
        await client.aclose()


def vector_store(tmp_path) -> ActionVectorStore:
    engine = make_engine(f"sqlite:///{tmp_path / 'vectors.db'}")
    init_db(engine)
    return ActionVectorStore(engine)


def catalog_of(definitions) -> ActionCatalog:
    catalog = ActionCatalog()
    catalog.sync(definitions)
    return catalog


def turn(text: str) -> list:
    return [HumanMessage(text)]


async def test_actions_are_embedded_once_and_the_message_once_per_turn(
    emb_srv, embeddings_for, tmp_path
) -> None:
    defs = generate_actions(50)
    catalog = catalog_of(defs)
    retriever = ActionRetriever(
        semantic=SemanticRanker(embeddings_for(emb_srv), model="m", store=vector_store(tmp_path))
    )
    assert await retriever.prepare(catalog, turn("cancel my subscription")) is None
    assert len(emb_srv.texts) == 51  # every action, then the message
    assert emb_srv.texts[-1] == "cancel my subscription"
    await retriever.prepare(catalog, turn("cancel my subscription"))  # the same turn's next node
    assert len(emb_srv.texts) == 51
    await retriever.prepare(catalog, turn("where is my refund"))
    assert emb_srv.texts[51:] == ["where is my refund"]


async def test_an_edit_re_embeds_that_action_only_and_a_restart_none(
    emb_srv, embeddings_for, tmp_path
) -> None:
    defs = generate_actions(50)
    catalog = catalog_of(defs)
    store = vector_store(tmp_path)
    retriever = ActionRetriever(semantic=SemanticRanker(embeddings_for(emb_srv), model="m", store=store))
    await retriever.prepare(catalog, turn("hello"))
    edited = defs[7].model_copy(update={"trigger": "Use when the customer's kettle whistles."})
    catalog.sync([*defs[:7], edited, *defs[8:]])
    await retriever.prepare(catalog, turn("my kettle whistles"))
    assert len(emb_srv.texts) == 51 + 2
    assert "kettle whistles" in emb_srv.texts[51] and emb_srv.texts[52] == "my kettle whistles"
    # a new process on the same database: the stored vectors are used, only the message is sent
    restarted = ActionRetriever(semantic=SemanticRanker(embeddings_for(emb_srv), model="m", store=store))
    await restarted.prepare(catalog, turn("my kettle whistles"))
    assert emb_srv.texts[53:] == ["my kettle whistles"]
    assert restarted.ranked(catalog, query_texts(turn("my kettle whistles")), 3)[0] == edited.name
    # another embedding model's vectors are never reused
    other = ActionRetriever(semantic=SemanticRanker(embeddings_for(emb_srv), model="other", store=store))
    await other.prepare(catalog, turn("x"))
    assert len(emb_srv.texts) == 54 + 51


async def test_the_ranking_fuses_both_and_keeps_each_ones_best(emb_srv, embeddings_for, tmp_path) -> None:
    defs = generate_actions(200)
    catalog = catalog_of(defs)
    semantic = SemanticRanker(embeddings_for(emb_srv), model="m")
    retriever = ActionRetriever(semantic=semantic)
    text = "refunnd for my ordr please"
    await retriever.prepare(catalog, turn(text))
    lexical = [n for n, _ in retriever.index(catalog).ranked(query_texts(turn(text)), 15)]
    by_vector = semantic.ranked(text, 15)
    fused = retriever.ranked(catalog, query_texts(turn(text)), 15)
    assert fused == fuse([lexical, by_vector])[:15]
    assert lexical[0] in fused[:3] and by_vector[0] in fused[:3]
    assert fuse([["a", "b"], ["b", "c"]]) == ["b", "a", "c"]  # liked by both beats first in one


async def test_an_embedding_failure_ranks_lexically_with_a_note_in_the_trace(emb_srv, embeddings_for) -> None:
    emb_srv.failing = True
    defs = generate_actions(200)
    catalog = catalog_of(defs)
    retriever = ActionRetriever(semantic=SemanticRanker(embeddings_for(emb_srv), model="m"))
    model = ScriptedChatModel().script("Happy to help.")
    context = AgentContext(
        model=model,
        catalog=catalog,
        executor=cast(Executor, None),  # the model answers without a call: nothing is sent
        limits=Limits(tool_budget_tokens=0, top_k=8),
        retriever=retriever,
    )
    result = await compile_graph(InMemorySaver()).ainvoke(
        {"messages": [HumanMessage("cancel my subscription please")], "channel": "chat"},
        {"configurable": {"thread_id": "t1"}},
        context=context,
    )
    assert result["messages"][-1].text == "Happy to help."
    retrieval = result["retrieval"]
    assert retrieval["ranking"] == "lexical" and retrieval["bound"] == 8
    assert retrieval["note"].startswith("embedding failed (BadRequestError")
    names = [t["function"]["name"] for t in model.calls[0]["kwargs"]["tools"]]
    lexical = [
        n for n, _ in retriever.index(catalog).ranked(query_texts(turn("cancel my subscription please")), 8)
    ]
    assert set(names[:-1]) == set(lexical)
    # the endpoint is back: the actions not embedded yet are embedded on the next turn
    emb_srv.failing = False
    assert await retriever.prepare(catalog, turn("hello")) is None
    assert len(emb_srv.texts) == 201


def test_the_settings_make_an_openai_compatible_client_or_none(emb_srv, tmp_path) -> None:
    assert make_embeddings(Settings(data_dir=tmp_path)) is None
    settings = Settings(
        data_dir=tmp_path,
        embeddings_model="stand-in",
        embeddings_base_url=emb_srv.base_url + "/v1",
        embeddings_api_key="emb-key",
    )
    made = make_embeddings(settings)
    assert made is not None
    embeddings, label = made.embeddings, made.label
    assert isinstance(embeddings, OpenAIEmbeddings) and label == f"stand-in @ {emb_srv.base_url}/v1"
    assert len(embeddings.embed_documents(["refund my order"])[0]) == 256
    assert emb_srv.texts == ["refund my order"]
    engine = make_engine(settings.resolved_database_url)
    init_db(engine)
    retriever = make_retriever(made, engine)
    assert isinstance(retriever.semantic, SemanticRanker) and retriever.semantic.model == label
    assert make_retriever(None, engine).semantic is None
    # the pool made for the embeddings alone is closed by its owner
    (pool,) = made.pools
    asyncio.run(made.aclose())
    assert pool.is_closed
    engine.dispose()
