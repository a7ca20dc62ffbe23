"""Build the near-copy index when a corpus' texts change: enqueued once the import commits.

If the broker is down the import still stands: the index is built by the first check that needs it.
"""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from core.broker import task_send
from corpora.models import Corpus
from corpora.nearcopy.tasks import nearcopy_index_build
from corpora.signals import corpus_texts_changed


@receiver(corpus_texts_changed, dispatch_uid="nearcopy_index_on_texts_changed")
def index_on_texts_changed(sender: Any, corpus: Corpus, **kwargs: Any) -> None:
    corpus_id = corpus.pk
    transaction.on_commit(lambda: task_send(nearcopy_index_build, corpus_id))
