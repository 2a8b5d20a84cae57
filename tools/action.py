"""The custom API action definition: one pydantic model, the single source of truth.

Storage persists it, the sidebar editor edits it, the compiler and executor read it. Nothing else
re-declares its fields. `validate_action` gathers *every* problem of a raw definition at once,
each with a field path, and raises one `ActionValidationError` naming the action.
"""

from __future__ import annotations

import enum
import hashlib
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .channels import Channel
from .conversation_case import TestConversation
from .option_labels import option_labels
from .placeholders import secret_uses

TOOL_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
AUTH_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
"""Names of shared auth settings, e.g. `orders_gateway`."""
INPUT_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
RESERVED_INPUT_NAMES = frozenset({"self", "config", "run_manager", "callbacks", "tool_call_id"})
"""Names LangChain injects into tool calls; an input with one of them could never be passed."""
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
CREDENTIAL_QUERY_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "token",
        "access_token",
        "accesstoken",
        "auth",
        "auth_token",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "signature",
        "session",
        "sessionid",
        "private_token",
        "x-api-key",
    }
)
MIN_TIMEOUT_SECONDS = 0.1
"""Below this no request can even connect; a smaller value is a typo (1e-3 for 1e3)."""
MAX_TIMEOUT_SECONDS = 120.0


class HttpMethod(str, enum.Enum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class ResponseFormat(str, enum.Enum):
    """How an action's result is shown. A new format is three files: its value here, its
    presenter module in `agent/presenters/` and its entry in `ui/render.py`'s renderer table."""

    TEXT = "text"
    """The agent writes a natural-language answer from the API output."""
    CARD = "card"
    """A structured card: title, fields, optional link."""
    LINK = "link"
    """A clickable link taken from a configured response field."""

    @property
    def needs_link_field(self) -> bool:
        """Whether the format shows nothing without `response_selection.link_field` (the URL)."""
        return self is ResponseFormat.LINK


class BodyFormat(str, enum.Enum):
    """How the body template is encoded on the wire."""

    JSON = "json"
    """`application/json`: the template is sent as JSON."""
    FORM = "form"
    """`application/x-www-form-urlencoded` (Stripe, Twilio, OAuth2 token endpoints): the template
    is a flat JSON object; each key is a field, a list value repeats the field."""


class InputType(str, enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ENUM = "enum"
    DATE = "date"
    EMAIL = "email"
    STRING_LIST = "string[]"
    """A list of texts: a JSON array in the body, a repeated (or `list_separator`-joined)
    query parameter or form field."""


class SelectionLanguage(str, enum.Enum):
    JMESPATH = "jmespath"
    JSONPATH = "jsonpath"


class ActionInput(BaseModel):
    """One value the action needs from the customer (drives "collect info first")."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """Identifier used in `{{name}}` placeholders and as the tool argument name."""
    type: InputType = InputType.STRING
    """Value type; `enum` needs `enum_values`, `date` is ISO 8601 (YYYY-MM-DD)."""
    label: str | None = None
    """What customers call the value, e.g. "Preferred installation date": the form's label and
    the question's wording. Unset: the question uses the description (said to the customer:
    "the customer's" becomes "your") and the form the name in words."""
    description: str = ""
    """What the value is, for the model (the tool schema); customers read it in the second
    person, and not at all when `label` is set (see `agent.wording.inputs`)."""
    required: bool = True
    """Whether the API cannot be called without it."""
    pattern: str | None = None
    """Regular expression the whole value must match (strings only)."""
    enum_values: list[str] | None = None
    """Allowed values for `type: enum`: what the API receives."""
    enum_labels: dict[str, str] | None = None
    """What customers read for some of the values, e.g. `{"ev_charger": "EV charger"}`; any other
    value is shown in words (`heat_pump` -> "heat pump"). See `tools.option_labels`."""
    example: str | None = None
    """An example value shown to the customer and the model."""
    list_separator: str | None = None
    """`string[]` only: how a query parameter or form field carries the list. Unset repeats it
    (`tag=a&tag=b`); `","` joins the values into one (`ids=a,b`)."""

    def option_labels(self) -> dict[str, str]:
        """Allowed value -> the label customers read, for every allowed value, in order."""
        return option_labels(self.enum_values or [], self.enum_labels)


class ResponseSelection(BaseModel):
    """Which parts of a JSON response reach the model; nothing else does."""

    model_config = ConfigDict(extra="forbid")

    language: SelectionLanguage = SelectionLanguage.JMESPATH
    """Expression language for `fields` and `link_field`."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Label -> expression. Empty means the whole (size-capped) response."""
    link_field: str | None = None
    """Expression of the field that holds the URL, for the link response format."""
    link_label: str | None = None
    """Fixed label for the link; otherwise the model writes one."""


def _default_confirmation(method: HttpMethod) -> bool:
    return method is not HttpMethod.GET


class ActionDefinition(BaseModel):
    """A custom API action, as the product team configures it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    # -- Settings -----------------------------------------------------------------------------
    name: str
    """Tool name the model calls: letters, digits, `_` or `-`, starting with a letter."""
    title: str = ""
    """Human label shown in the UI, e.g. "Look up order status"."""
    enabled: bool = True
    """Disabled actions are never offered to the model."""
    channels: list[Channel] = Field(default_factory=lambda: [Channel.CHAT, Channel.EMAIL])
    """Where the action may run: chat, email, or both."""
    max_runs_per_session: int | None = None
    """Trigger limitation: maximum runs per chat session; None means no limit."""

    # -- API endpoint ---------------------------------------------------------------------------
    method: HttpMethod = HttpMethod.GET
    """HTTP method."""
    url: str
    """Full URL; `{{input}}` placeholders are allowed in the path and query only."""
    timeout_seconds: float = 10.0
    """Total deadline for one call, retries included."""

    # -- Collect info first -------------------------------------------------------------------
    collect_info_first: bool = True
    """Ask the customer for missing or invalid inputs before calling the API."""
    inputs: list[ActionInput] = Field(default_factory=list)
    """The values the action needs."""

    # -- Headers & body -------------------------------------------------------------------------
    headers: dict[str, str] = Field(default_factory=dict)
    """Header name -> value; values may use `{{input}}` and `{{secret.NAME}}`."""
    body: str | None = None
    """Request body template (POST/PUT/PATCH), written as JSON; placeholders only inside string
    values. With `body_format: form` it is a flat object of field -> value."""
    body_format: BodyFormat = BodyFormat.JSON
    """How the body is sent: `json` or `form` (`application/x-www-form-urlencoded`)."""
    auth: str | None = None
    """Name of a shared auth setting (`tools.auth.AuthSetting`) that authenticates the request:
    bearer, API-key header, basic or OAuth2 client credentials. None: headers only."""
    send_idempotency_key: bool = False
    """Send an `Idempotency-Key` header, stable across a crash and resume of the same call."""

    # -- Trigger --------------------------------------------------------------------------------
    trigger: str
    """Plain-language instructions for when the agent should run the action (tool description)."""

    # -- Confirmation -----------------------------------------------------------------------------
    requires_confirmation: bool | None = None
    """Ask the user to approve the exact request first; unset means on for every method but GET."""

    # -- Response handling ----------------------------------------------------------------------
    response_format: ResponseFormat = ResponseFormat.TEXT
    """How the result is presented: text, card or link."""
    response_instructions_enabled: bool = False
    """Whether `response_instructions` apply."""
    response_instructions: str = ""
    """How to interpret and present the response, error states included."""
    response_selection: ResponseSelection = Field(default_factory=ResponseSelection)
    """Which response fields the model sees, and where the link URL is."""

    # -- Test conversations ---------------------------------------------------------------------
    test_conversations: list[TestConversation] = Field(default_factory=list)
    """Example messages and what the agent should make of them (`agent.evaluation`); never
    shown to the model, and left out of `content_hash`."""

    @model_validator(mode="after")
    def _resolve_defaults(self) -> ActionDefinition:
        if self.requires_confirmation is None:
            self.requires_confirmation = _default_confirmation(self.method)
        return self

    # -- derived ----------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def is_idempotent(self) -> bool:
        return self.method in (HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)

    def input(self, name: str) -> ActionInput | None:
        return next((i for i in self.inputs if i.name == name), None)

    def secret_names(self) -> set[str]:
        """Secrets the templates name (headers and body); an auth setting's are its own."""
        return {name for _, name in secret_uses({"headers": self.headers, "body": self.body or ""})}

    def available_on(self, channel: Channel | str) -> bool:
        return Channel(channel) in self.channels

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Stable hash of what the agent runs on (used for incremental compilation): the test
        conversations are left out, so writing one recompiles nothing."""
        # Field order is fixed by the model, so the JSON dump is canonical without sorting.
        data = self.model_dump_json(exclude={"test_conversations"})
        return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------------------------
# Validation: pydantic's field errors plus every semantic rule, gathered together.
# ---------------------------------------------------------------------------------------------
