"""One turn of the support agent, by phase: running it on the graph, its events, its trace."""
