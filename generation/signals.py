"""Signals of the generation app."""

from django.dispatch import Signal

# Sent (with `batch`) when a batch ends: succeeded, failed or cancelled, after its rows are written.
# posting listens, to record how a reply batch for a mention went.
batch_finished = Signal()
