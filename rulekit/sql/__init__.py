"""SQL building blocks for the settlement engine: sqlglot expression trees, never strings."""
