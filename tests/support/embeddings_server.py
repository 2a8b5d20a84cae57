"""A local OpenAI-compatible embeddings server for tests: real HTTP, deterministic vectors.

    with embeddings_server() as srv:
        embeddings = OpenAIEmbeddings(base_url=srv.base_url + "/v1", api_key="k", model="m")

POST /v1/embeddings answers every input with `benchmarks.embedding_standin.vector` (words and
character trigrams hashed into 256 dimensions), in OpenAI's response shape. Every request's
inputs are kept in `srv.inputs`; `srv.failing = True` makes it answer 400 (not retried by the
client), as a server that rejects the request would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from benchmarks.embedding_standin import vector
from tests.support.servers import serve


@dataclass
class EmbeddingsServer:
    base_url: str = ""
    inputs: list[list[str]] = field(default_factory=list)
    """The texts of each request, in order."""
    failing: bool = False

    @property
    def texts(self) -> list[str]:
        return [t for batch in self.inputs for t in batch]


def create_app(state: EmbeddingsServer) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/embeddings")
    async def embeddings(request: Request):
        body = await request.json()
        given = body.get("input")
        texts = [given] if isinstance(given, str) else list(given)
        if state.failing:
            return JSONResponse({"error": {"message": "embedding model unavailable"}}, status_code=400)
        state.inputs.append([str(t) for t in texts])
        data = [{"object": "embedding", "index": i, "embedding": vector(str(t))} for i, t in enumerate(texts)]
        usage = {"prompt_tokens": sum(len(str(t).split()) for t in texts), "total_tokens": 0}
        return {"object": "list", "data": data, "model": body.get("model"), "usage": usage}

    return app


@contextlib.contextmanager
def embeddings_server() -> Iterator[EmbeddingsServer]:
    state = EmbeddingsServer()
    with serve(create_app(state)) as base_url:
        state.base_url = base_url
        yield state
