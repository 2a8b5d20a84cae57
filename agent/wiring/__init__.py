"""The composition root: settings from the environment, the chat model, stores, executor,
checkpointer and locks wired together, the admin gate, and what the Streamlit app needs besides
the agent. Only entry points import it; the graph never does."""
