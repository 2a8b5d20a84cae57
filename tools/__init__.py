"""Action definitions, their compilation into LangChain tools, and the guarded HTTP executor."""
