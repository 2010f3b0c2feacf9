"""The services floor: one module per use case.

Each owns its transaction and its audit row, and imports no channel."""
