"""Action embedding vectors at rest: one row per (embedding model, action), replaced on change.

The agent's semantic ranking (`agent.catalog.semantic.SemanticRanker`) loads them once per process and
saves the vectors it computes, so a restart embeds nothing again and an edit re-embeds only the
edited action.
"""

from __future__ import annotations

import json

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import select

from .db import read_session, write_session
from .tables import ActionVectorRow

VECTORS = ActionVectorRow.__table__  # type: ignore[attr-defined]


class ActionVectorStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, model: str) -> dict[str, tuple[str, list[float]]]:
        """Action name -> (text hash, vector) of every vector stored for `model`."""
        with read_session(self.engine) as session:
            rows = session.exec(select(ActionVectorRow).where(ActionVectorRow.model == model)).all()
            return {r.name: (r.text_hash, json.loads(r.vector)) for r in rows}

    def save(self, model: str, vectors: dict[str, tuple[str, list[float]]]) -> None:
        """Store (replace) the vectors of these actions for `model`, in one transaction."""
        if not vectors:
            return
        with write_session(self.engine) as session:
            session.execute(
                delete(VECTORS).where(VECTORS.c.model == model, VECTORS.c.name.in_(list(vectors)))
            )
            session.add_all(
                ActionVectorRow(model=model, name=name, text_hash=h, vector=json.dumps(v))
                for name, (h, v) in vectors.items()
            )
