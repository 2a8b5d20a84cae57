"""Servers over the live catalog: the MCP server (stdio and HTTP) and the LangGraph Server graph factory."""
