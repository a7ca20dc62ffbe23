"""The ranker's tasks (default queue). Thin: they call the services."""

from celery import shared_task

from curator.ranking import services


@shared_task(name="curator.ranking.tasks.ranker_train", ignore_result=True)
def ranker_train(corpus_id: int) -> int | None:
    """After every RANKING_RETRAIN_EVERY decisions on a bot: retrain its ranker and rescore its pending candidates."""
    version = services.ranker_train_bot(corpus_id=corpus_id)
    return version.pk if version else None


@shared_task(name="curator.ranking.tasks.rankers_train", ignore_result=True)
def rankers_train() -> int:
    """On beat: retrain every bot with decisions newer than its newest ranker."""
    return sum(1 for corpus_id in services.bots_due() if services.ranker_train_bot(corpus_id=corpus_id))
