"""A local, deterministic stand-in for an embedding model (no weights, no network).

A text's vector is its words and their character trigrams hashed into `DIMENSIONS` signed
buckets (the hashing trick), then scaled to unit length: texts sharing words or word pieces
("refund" / "refunded", "pasword" / "password") point the same way. It knows no synonyms, so
it measures what the fusion machinery does with a second, differently-wrong ranking; it is not
a trained model and its recall says nothing about one. Served over HTTP by
`tests/support/embeddings_server.py` for the tests, used in-process by `benchmarks.retrieval_recall`.
"""

from __future__ import annotations

import hashlib
import math
import re

from langchain_core.embeddings import Embeddings

DIMENSIONS = 256


def features(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    grams = [f"#{w}#"[i : i + 3] for w in words for i in range(len(w))]
    return [f"w:{w}" for w in words] + [f"g:{g}" for g in grams if len(g) == 3]


def vector(text: str) -> list[float]:
    out = [0.0] * DIMENSIONS
    for feature in features(text):
        digest = hashlib.blake2b(feature.encode(), digest_size=4).digest()
        bucket = int.from_bytes(digest[:3], "big") % DIMENSIONS
        out[bucket] += (2.0 if feature.startswith("w:") else 1.0) * (1 if digest[3] & 1 else -1)
    norm = math.sqrt(sum(x * x for x in out)) or 1.0
    return [x / norm for x in out]


class StandInEmbeddings(Embeddings):
    """`vector` as a LangChain `Embeddings` (in-process), counting the texts it embeds."""

    def __init__(self) -> None:
        self.documents = 0
        self.queries = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return [vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return vector(text)
