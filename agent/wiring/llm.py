"""The one chat-model factory: OpenAI (or any OpenAI-compatible server) or the offline model.

With `Settings.openai_api_key` set the agent talks to `ChatOpenAI` at
`Settings.openai_base_url` (OpenAI itself when unset; Ollama, vLLM, llama.cpp and Azure
OpenAI-compatible endpoints otherwise). Without a key it runs on the built-in offline model,
so the product works out of the box. Entry points call `make_chat_model` once and pass the
chosen model down; nothing here runs at import time.

The key goes only to the URL named in `Settings`: the base URL is always passed explicitly,
so an `OPENAI_API_BASE` left in the environment cannot redirect it. The key never appears in
a label, a repr or a log line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from agent.wiring.settings import Settings

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
"""Where the key goes when `Settings.openai_base_url` is unset."""

REQUEST_TIMEOUT: tuple[float, float, float, float] = (10.0, 60.0, 60.0, 60.0)
"""Per-request timeout as (connect, read, write, pool) seconds: a slow completion may take a
while, an unreachable host should not. A plain tuple, not an HTTP library's timeout object: the
OpenAI client has changed HTTP stacks between releases, and a tuple is what every one accepts."""

MAX_RETRIES = 2
"""Retries on connection errors, 408/409/429 and 5xx, with the SDK's backoff."""

OFFLINE_LABEL = "Built-in offline model (no API key set)"


@dataclass(frozen=True)
class ModelChoice:
    """The chat model the agent runs on, and how to describe it to a person."""

    model: BaseChatModel = field(repr=False)
    """The model itself; kept out of the repr so that printing a choice stays short."""
    label: str
    """One line for the UI and logs, e.g. "OpenAI gpt-4o-mini @ https://api.openai.com/v1"."""
    is_offline: bool
    """True when no API key is set and the built-in offline model answers."""


def make_chat_model(
    settings: Settings, *, offline_factory: Callable[[], BaseChatModel] | None = None
) -> ModelChoice:
    """Pick the chat model for these settings.

    `offline_factory` builds the model used without an API key; by default the built-in
    `agent.offline.OfflineChatModel`, imported only when it is needed.
    """
    if settings.openai_api_key:
        return _openai_choice(settings)
    if offline_factory is None:
        from agent.offline import OfflineChatModel

        offline_factory = OfflineChatModel
    return ModelChoice(model=offline_factory(), label=OFFLINE_LABEL, is_offline=True)


def _openai_choice(settings: Settings) -> ModelChoice:
    from langchain_openai import ChatOpenAI

    base_url = (settings.openai_base_url or OPENAI_DEFAULT_BASE_URL).rstrip("/")
    model = ChatOpenAI(
        model=settings.openai_model,
        api_key=settings.openai_api_key,
        base_url=base_url,
        temperature=0,
        timeout=REQUEST_TIMEOUT,
        max_retries=MAX_RETRIES,
        # Usage in streamed answers too; compatible servers that ignore
        # `stream_options` simply send no usage chunk.
        stream_usage=True,
    )
    vendor = "OpenAI" if base_url == OPENAI_DEFAULT_BASE_URL else "OpenAI-compatible"
    label = f"{vendor} {settings.openai_model} @ {_display_url(base_url)}"
    return ModelChoice(model=model, label=label, is_offline=False)


EMBEDDINGS_BATCH = 256
"""Texts per embeddings request (OpenAI takes up to 2,048; compatible servers often fewer)."""


def make_embeddings(settings: Settings) -> tuple[Embeddings, str] | None:
    """The embedding model for semantic retrieval and its label, or None when
    `Settings.embeddings_model` is unset (retrieval is then lexical).

    Any OpenAI-compatible embeddings endpoint: the texts are sent as text (no client-side
    tokenisation, which needs OpenAI's tokenizer file and breaks other servers)."""
    if not settings.embeddings_model:
        return None
    from langchain_openai import OpenAIEmbeddings

    key = settings.embeddings_api_key or settings.openai_api_key
    base_url = (settings.embeddings_base_url or settings.openai_base_url or OPENAI_DEFAULT_BASE_URL).rstrip(
        "/"
    )
    embeddings = OpenAIEmbeddings(
        model=settings.embeddings_model,
        openai_api_key=key if key is not None else SecretStr("none"),
        openai_api_base=base_url,
        check_embedding_ctx_length=False,
        chunk_size=EMBEDDINGS_BATCH,
        request_timeout=REQUEST_TIMEOUT,
        max_retries=MAX_RETRIES,
    )
    return embeddings, f"{settings.embeddings_model} @ {_display_url(base_url)}"


def _display_url(url: str) -> str:
    """The URL without user info, query or fragment, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
