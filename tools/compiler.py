"""Action definition -> tool definition for the model, and a catalog that recompiles only what changed.

A compiled action carries two views of its inputs (both made by `tools.schema`):

- `parameters`, in the tool definition the model sees (`openai_schema()`), is a plain
  JSON-schema dict: the model-facing, lenient view. It describes types, patterns, enums, formats
  and examples but requires nothing, so the model can call early with what it has. No pydantic
  model is built for it, which keeps cold compilation cheap (see `benchmarks/compile.py`);
- `strict_model()` is the `{name}_args` pydantic model the collect-info step validates against,
  built on the first `check()` and cached.

`ActionCatalog.sync` compiles new and changed definitions only. A definition is unchanged when it
is the very object compiled last time (no hashing at all) or has the same `content_hash()`;
definitions are values, so an edit makes a new one (`validate_action`, `model_copy(update=...)`)
rather than mutating the old one in place.

The tool definition only describes the action: it is data, not a runnable tool. One way runs an
action, the graph's `call_action` step through the executor (checks, confirmation, ledger,
redaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .action import ActionDefinition, ActionInput, InputType
from .errors import ActionValidationError, Problem
from .schema import build_strict_model, describe_error, input_json_schema, model_parameters


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input as a form needs it."""

    name: str
    type: InputType
    description: str
    required: bool
    pattern: str | None
    enum_values: list[str] | None
    example: str | None
    json_schema: dict[str, Any]
    """The input's describing JSON schema (type, description, pattern, enum, format, examples)."""
    option_labels: dict[str, str] | None = None
    """Enum inputs: allowed value -> the label customers read (`ActionInput.option_labels`)."""
    label: str | None = None
    """What customers call the value (`ActionInput.label`)."""


@dataclass(slots=True)
class ArgsCheck:
    """Arguments checked against the strict model, split into what is usable and what is not."""

    values: dict[str, Any] = field(default_factory=dict)
    """Valid values, coerced and JSON-serialisable (dates as ISO strings)."""
    missing: list[str] = field(default_factory=list)
    """Required inputs that are absent or empty, in declaration order."""
    invalid: dict[str, str] = field(default_factory=dict)
    """Input name -> plain-language reason, e.g. "must look like ORD-1234 (pattern ...)"."""

    @property
    def ok(self) -> bool:
        return not self.missing and not self.invalid

    def describe(self) -> str:
        """One line for the model: what is missing and what is wrong."""
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        parts.extend(f"{name} {reason}" for name, reason in self.invalid.items())
        return "; ".join(parts) or "all arguments are valid"


class CompiledAction:
    """One definition compiled: its tool definition, its form fields and its (lazy) strict model."""

    __slots__ = (
        "_inputs",
        "_properties",
        "_schema",
        "_strict",
        "content_hash",
        "definition",
        "fields",
    )

    def __init__(self, definition: ActionDefinition, content_hash: str):
        self.definition = definition
        self.content_hash = content_hash
        self._inputs: dict[str, ActionInput] = {i.name: i for i in definition.inputs}
        self._properties = {i.name: input_json_schema(i) for i in definition.inputs}
        self._strict: type[BaseModel] | None = None
        self.fields = [
            FieldSpec(
                i.name,
                i.type,
                i.description,
                i.required,
                i.pattern,
                i.enum_values,
                i.example,
                self._properties[i.name],
                i.option_labels() if i.type is InputType.ENUM else None,
                i.label,
            )
            for i in definition.inputs
        ]
        self._schema: dict[str, Any] = {
            "type": "function",
            "function": {
                "name": definition.name,
                "description": definition.trigger,
                "parameters": model_parameters(definition, self._properties),
            },
        }

    def __repr__(self) -> str:
        return f"CompiledAction({self.definition.name!r}, {self.content_hash[:8]})"

    @property
    def name(self) -> str:
        return self.definition.name

    def strict_model(self) -> type[BaseModel]:
        """The `{name}_args` model: built on first use and cached."""
        if self._strict is None:
            self._strict = build_strict_model(self.definition, self._properties)
        return self._strict

    def check(self, args: dict[str, Any] | None) -> ArgsCheck:
        """Validate proposed arguments against the strict model.

        Unknown keys are dropped without a report; "", blank text and None count as absent.
        """
        result = ArgsCheck()
        present: dict[str, Any] = {}
        for name, inp in self._inputs.items():
            value = (args or {}).get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if inp.required:
                    result.missing.append(name)
            else:
                present[name] = value
        model = self.strict_model()
        if not result.missing:
            try:
                valid = model.model_validate(present)
            except ValidationError:
                pass  # below, field by field, to keep the good values and explain the bad ones
            else:
                result.values = valid.model_dump(mode="json", exclude_unset=True)
                return result
        draft = model.model_construct()
        accepted = set()
        for name, value in present.items():
            try:
                setattr(draft, name, value)  # validate_assignment: this one field only
            except ValidationError as exc:
                result.invalid[name] = describe_error(exc.errors()[0], self._inputs[name])
            else:
                accepted.add(name)
        result.values = draft.model_dump(mode="json", include=accepted) if accepted else {}
        return result

    def openai_schema(self) -> dict[str, Any]:
        """The tool definition sent to the model (OpenAI format, which `bind_tools` passes
        through as is). Shared, built once: read it, never change it."""
        return self._schema

    @property
    def parameters(self) -> dict[str, Any]:
        """The lenient JSON schema of the inputs (what the model and MCP clients see)."""
        return self._schema["function"]["parameters"]


def compile_action(definition: ActionDefinition, *, content_hash: str | None = None) -> CompiledAction:
    """Compile one definition; `content_hash` may be passed when the caller already has it."""
    return CompiledAction(definition, content_hash or definition.content_hash())


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    """What one `ActionCatalog.sync` did, by action name."""

    compiled: list[str] = field(default_factory=list)
    """New or changed definitions, compiled afresh."""
    reused: list[str] = field(default_factory=list)
    """Unchanged definitions whose compiled action was kept (same object)."""
    removed: list[str] = field(default_factory=list)
    """Names no longer in the catalog."""
    examples: list[str] = field(default_factory=list)
    """Reused actions whose test conversations changed (the compiled action now holds the new
    definition; nothing was recompiled)."""

    @property
    def changed(self) -> bool:
        return bool(self.compiled or self.removed)


class ActionCatalog:
    """The compiled live actions, kept in step with the stored definitions by `sync`."""

    def __init__(self) -> None:
        self._compiled: dict[str, CompiledAction] = {}
        self.revision = 0
        """Goes up whenever a sync changes anything (what retrieval's index keeps in step with)."""
        # name -> the definition object last given to `sync`, for the identity fast path
        self._seen: dict[str, ActionDefinition] = {}

    def sync(self, definitions: Iterable[ActionDefinition]) -> CatalogDiff:
        """Make the catalog hold exactly `definitions`, compiling only new or changed ones.

        The swap is all-or-nothing: on a duplicate name nothing changes and one
        `ActionValidationError` lists every duplicate.
        """
        compiled: dict[str, CompiledAction] = {}
        seen: dict[str, ActionDefinition] = {}
        diff = CatalogDiff()
        problems: list[Problem] = []
        for index, definition in enumerate(definitions):
            name = definition.name
            if name in seen:
                problems.append(Problem(f"[{index}].name", f"duplicate name {name!r}"))
                continue
            seen[name] = definition
            previous = self._compiled.get(name)
            if previous is not None and self._seen.get(name) is definition:
                compiled[name] = previous
                diff.reused.append(name)
                continue
            digest = definition.content_hash()
            if previous is not None and previous.content_hash == digest:
                if previous.definition.test_conversations != definition.test_conversations:
                    # not compiled, but retrieval indexes the examples: it must see the new ones
                    previous.definition = definition
                    diff.examples.append(name)
                compiled[name] = previous
                diff.reused.append(name)
            else:
                compiled[name] = compile_action(definition, content_hash=digest)
                diff.compiled.append(name)
        if problems:
            raise ActionValidationError(None, problems)
        diff.removed.extend(sorted(set(self._compiled) - set(compiled)))
        if diff.compiled or diff.removed or diff.examples or list(self._compiled) != list(compiled):
            self.revision += 1
        self._compiled, self._seen = compiled, seen
        return diff

    def get(self, name: str) -> CompiledAction | None:
        return self._compiled.get(name)

    def __getitem__(self, name: str) -> CompiledAction:
        """The action `name`, for a caller that already checked it is in the catalog."""
        try:
            return self._compiled[name]
        except KeyError:
            raise KeyError(f"no action {name!r} in the catalog") from None

    def __iter__(self) -> Iterator[CompiledAction]:
        return iter(list(self._compiled.values()))

    def __len__(self) -> int:
        return len(self._compiled)

    def __contains__(self, name: object) -> bool:
        return name in self._compiled
