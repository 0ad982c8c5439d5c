"""search: the ProductSearch interface, its backends, embedders and the progressive strategy."""
