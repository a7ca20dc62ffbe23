"""Signals of the generation app."""

from django.dispatch import Signal

# Sent (with `corpus`) after a corpus' training texts were created or changed, inside the
# import's transaction. Receivers that start work should do it on commit (the near-copy index).
corpus_texts_changed = Signal()
