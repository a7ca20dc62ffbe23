"""The index build task (default queue): thin, idempotent, takes an id."""

from celery import shared_task


# No route in CELERY_TASK_ROUTES: it runs on the default queue.
@shared_task(name="corpora.nearcopy.tasks.nearcopy_index_build")
def nearcopy_index_build(corpus_id: int) -> None:
    """Build the corpus' index for its current texts_version; a no-op if it is already on disk."""
    # Imported here so that Django start-up (which registers this task) does not load numpy.
    from corpora.nearcopy.services import nearcopy_index_build as build

    build(corpus_id=corpus_id)
