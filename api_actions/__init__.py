"""The supported Python API of api-actions: import it from here, `from api_actions import ...`.

The code lives in the project's top-level packages (`tools`, `storage`, `agent`, `ui`, `demo`),
whose names the project's layout requires; which module inside them defines what may change.
These names are the ones that stay: describe and validate an action, run it through the guarded
executor, and open the agent (with its stores) the way the command line and the app do.
"""

from __future__ import annotations

from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tools.action import ActionDefinition
from tools.errors import ActionValidationError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import Outcome, OutcomeKind
from tools.validation import validate_action, validate_catalog

__all__ = [
    "ActionDefinition",
    "ActionExecutor",
    "ActionValidationError",
    "ExecutorSettings",
    "Outcome",
    "OutcomeKind",
    "Settings",
    "StaticSecrets",
    "open_agent",
    "open_stores",
    "validate_action",
    "validate_catalog",
]
