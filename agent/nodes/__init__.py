"""Graph nodes, one module per phase: choose, collect info, extract, confirm, call, respond."""
