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

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
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
    pools: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    """The HTTP connection pools made for this model alone (`_own_pool`), closed by `aclose`."""

    async def aclose(self) -> None:
        """Close the model's own connection pools, when whoever made the choice is done with it
        (on the event loop that used them)."""
        await close_pools(self.pools)


class ModelSetupError(ValueError):
    """The configured chat model cannot be used.

    `str()` is one sentence for a person: which setting is wrong and what to do about it. Entry
    points print it on one line (the CLI, the LangGraph Server graph) or show it in place of the
    chat (the app); it never carries a traceback, an install path or the API key.
    """


def make_chat_model(
    settings: Settings, *, offline_factory: Callable[[], BaseChatModel] | None = None
) -> ModelChoice:
    """Pick the chat model for these settings.

    `offline_factory` builds the model used without an API key; by default the built-in
    `agent.offline.OfflineChatModel`, imported only when it is needed. Raises `ModelSetupError`
    when the settings name a model that cannot be built (a base URL that is not a URL, the client
    package missing, the client library refusing the settings).
    """
    if settings.openai_api_key:
        return _openai_choice(settings)
    if offline_factory is None:
        from agent.offline import OfflineChatModel

        offline_factory = OfflineChatModel
    return ModelChoice(model=offline_factory(), label=OFFLINE_LABEL, is_offline=True)


_OR_OFFLINE = "or unset OPENAI_API_KEY to use the built-in offline model"


def _openai_choice(settings: Settings) -> ModelChoice:
    base_url = _checked_base_url(settings.openai_base_url)
    model_name = settings.openai_model.strip()
    if not model_name:
        raise ModelSetupError(f"OPENAI_MODEL is empty: set it to a model the server offers, {_OR_OFFLINE}.")
    try:
        import openai

        from agent.wiring.compatible_openai import CompatibleChatOpenAI
    except ImportError as exc:
        raise ModelSetupError(
            f"The OpenAI client is not installed (the package {exc.name or 'langchain-openai'} is "
            f"missing): install the project's locked dependencies with `./dev demo`, {_OR_OFFLINE}."
        ) from None
    key = _checked_key(settings.openai_api_key)
    pool = _own_pool(openai)
    try:
        # ChatOpenAI that also reads the reply shapes of other OpenAI-compatible servers
        model = CompatibleChatOpenAI(
            model=model_name,
            api_key=key,
            base_url=base_url,
            temperature=0,
            timeout=REQUEST_TIMEOUT,
            http_async_client=pool,
            max_retries=MAX_RETRIES,
            # Usage in streamed answers too; compatible servers that ignore
            # `stream_options` simply send no usage chunk.
            stream_usage=True,
        )
    except Exception as exc:  # whatever a client release raises on settings it will not take
        raise ModelSetupError(
            f"The OpenAI client refused the model settings ({_one_line(exc, key)}): check "
            f"OPENAI_MODEL and OPENAI_BASE_URL and install the tested versions with `./dev demo`, "
            f"{_OR_OFFLINE}."
        ) from None
    vendor = "OpenAI" if base_url == OPENAI_DEFAULT_BASE_URL else "OpenAI-compatible"
    label = f"{vendor} {model_name} @ {_display_url(base_url)}"
    return ModelChoice(model=model, label=label, is_offline=False, pools=(pool,))


def _checked_key(key: SecretStr | None) -> SecretStr:
    """The key without the whitespace around it (a line break pasted from an env file); a key
    an HTTP header cannot carry is refused here, before any client could print it."""
    value = key.get_secret_value().strip() if key is not None else ""
    if not value:
        raise ModelSetupError(f"OPENAI_API_KEY is blank: set the key, {_OR_OFFLINE}.")
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise ModelSetupError(
            "OPENAI_API_KEY holds a space, a line break, a control character or a character "
            "outside ASCII (a quote pasted with it?), which no HTTP header can carry: set the key "
            f"alone, {_OR_OFFLINE}."
        )
    return SecretStr(value)


async def close_pools(pools: tuple[Any, ...]) -> None:
    """Close connection pools made by `_own_pool`."""
    for pool in pools:
        await pool.aclose()


def _own_pool(openai: Any) -> Any:
    """A connection pool of the model's own, made by the OpenAI client's public factory
    (whichever HTTP stack its release uses). The default pool is shared by every model of the
    process, so a model used on another event loop (one per LangGraph Server worker, one per
    test) would reuse connections of a loop that has ended."""
    return openai.DefaultAsyncHttpxClient(timeout=REQUEST_TIMEOUT)


def _checked_base_url(value: str | None) -> str:
    base_url = (value or OPENAI_DEFAULT_BASE_URL).strip().rstrip("/")
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelSetupError(
            "OPENAI_BASE_URL is not an http(s) URL: set it to the server's API address, e.g. "
            f"https://api.openai.com/v1 or http://localhost:11434/v1, or unset it to use OpenAI, {_OR_OFFLINE}."
        )
    return base_url


CHECK_TIMEOUT_SECONDS = 10.0
"""How long the start-up check waits for the model server."""


async def check_chat_model(choice: ModelChoice) -> None:
    """Ask the model server, once at start-up, whether it takes the key and offers the model.

    One request to the OpenAI-compatible `GET /models` through the model's own client. Raises
    `ModelSetupError` when the server cannot be reached, refuses the key, or lists models and
    the configured one is not among them. A server without a model list (404, 405, 501 ...)
    is not an error: the model is then first tried on the first turn, whose failure the turn
    answers in words.
    """
    if choice.is_offline:
        return
    base_url = getattr(choice.model, "openai_api_base", None)
    key = getattr(choice.model, "openai_api_key", None)
    if not base_url or not isinstance(key, SecretStr):  # a chat model of another kind, given by the caller
        return
    import openai

    base, name = _display_url(base_url), getattr(choice.model, "model_name", "")
    # A client of its own, closed here: the model's pooled client may be shared with other
    # event loops, and this check must leave no connection behind in it.
    client = openai.AsyncOpenAI(
        api_key=key.get_secret_value(), base_url=base_url, timeout=CHECK_TIMEOUT_SECONDS, max_retries=0
    )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):  # the whole check, however the server drips
            page = await client.models.list()
        offered = [_printable(m.id) for m in page.data if isinstance(m.id, str)]
    except TimeoutError:
        raise ModelSetupError(
            f"The model server at {base} (OPENAI_BASE_URL) did not answer within "
            f"{CHECK_TIMEOUT_SECONDS:g} s: check the address and that the server runs, {_OR_OFFLINE}."
        ) from None
    except openai.AuthenticationError:
        raise ModelSetupError(
            f"The model server at {base} refused OPENAI_API_KEY: set a key it accepts, {_OR_OFFLINE}."
        ) from None
    except openai.APIConnectionError as exc:
        raise ModelSetupError(
            f"The model server at {base} (OPENAI_BASE_URL) could not be reached "
            f"({_one_line(exc.__cause__ or exc, key)}): check the address and that the server "
            f"runs, {_OR_OFFLINE}."
        ) from None
    except UnicodeError as exc:  # the client could not even write the request
        raise ModelSetupError(
            f"The OpenAI client could not send to {base} ({_one_line(exc, key)}): check "
            f"OPENAI_BASE_URL and OPENAI_API_KEY, {_OR_OFFLINE}."
        ) from None
    except (openai.APIStatusError, openai.APIResponseValidationError, ValueError, TypeError, AttributeError):
        return  # no usable model list: nothing to check against
    finally:
        await client.close()
    if offered and name not in offered:
        shown = ", ".join(repr(n) for n in sorted(offered)[:8]) + (" ..." if len(offered) > 8 else "")
        raise ModelSetupError(
            f"OPENAI_MODEL {name!r} is not a model the server at {base} offers ({shown}): set "
            f"OPENAI_MODEL to one of them, {_OR_OFFLINE}."
        )


def _printable(text: str, limit: int = 80) -> str:
    """A name a server chose, as one short line of printable characters."""
    return "".join(c if c.isprintable() else "?" for c in text)[:limit]


def _one_line(exc: BaseException, key: Any) -> str:
    """An exception as a short line of printable text for a person, with the key masked in
    every spelling a library may print it in (as is, escaped as in a repr or as bytes)."""
    text = str(exc)
    secret = key.get_secret_value() if key is not None else ""
    if secret:
        for spelling in {secret, repr(secret)[1:-1], str(secret.encode("utf-8", "replace"))[2:-1]}:
            text = text.replace(spelling, "[secret]")
    return _printable(" ".join(text.split()) or type(exc).__name__, 200)


EMBEDDINGS_BATCH = 256
"""Texts per embeddings request (OpenAI takes up to 2,048; compatible servers often fewer)."""


@dataclass(frozen=True)
class EmbeddingsChoice:
    """The embedding model semantic retrieval runs on, its label, and the connection pool made
    for it alone (closed by `aclose`, as `ModelChoice`'s)."""

    embeddings: Embeddings = field(repr=False)
    label: str
    pools: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    async def aclose(self) -> None:
        await close_pools(self.pools)


def make_embeddings(settings: Settings) -> EmbeddingsChoice | None:
    """The embedding model for semantic retrieval and its label, or None when
    `Settings.embeddings_model` is unset (retrieval is then lexical).

    Any OpenAI-compatible embeddings endpoint: the texts are sent as text (no client-side
    tokenisation, which needs OpenAI's tokenizer file and breaks other servers)."""
    if not settings.embeddings_model:
        return None
    import openai
    from langchain_openai import OpenAIEmbeddings

    key = settings.embeddings_api_key or settings.openai_api_key
    # not checked as the chat model's is: an endpoint that fails is a per-turn fallback to
    # lexical ranking (noted in the trace), never a stop at start-up
    base_url = (settings.embeddings_base_url or settings.openai_base_url or OPENAI_DEFAULT_BASE_URL).rstrip(
        "/"
    )
    pool = _own_pool(openai)
    embeddings = OpenAIEmbeddings(
        model=settings.embeddings_model,
        openai_api_key=key if key is not None else SecretStr("none"),
        openai_api_base=base_url,
        check_embedding_ctx_length=False,
        chunk_size=EMBEDDINGS_BATCH,
        request_timeout=REQUEST_TIMEOUT,
        http_async_client=pool,
        max_retries=MAX_RETRIES,
    )
    return EmbeddingsChoice(embeddings, f"{settings.embeddings_model} @ {_display_url(base_url)}", (pool,))


def _display_url(url: str) -> str:
    """The URL without user info, query or fragment, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
