"""The ranker: what a bot's curators keep, learned from their decisions (features, training, scoring)."""
