"""Which actions the model sees: the compiled live catalog, lexical and semantic ranking, search."""
