"""The index build task (default queue): thin, idempotent, takes an id."""

from celery import shared_task

from generation.nearcopy.services import nearcopy_index_build as build


@shared_task(name="generation.nearcopy.tasks.nearcopy_index_build", queue="default")
def nearcopy_index_build(corpus_id: int) -> None:
    """Build the corpus' index for its current texts_version; a no-op if it is already on disk."""
    build(corpus_id=corpus_id)
