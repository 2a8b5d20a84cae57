"""The built-in offline chat model: the default when no hosted model is configured."""

from agent.offline.model import OfflineChatModel

__all__ = ["OfflineChatModel"]
