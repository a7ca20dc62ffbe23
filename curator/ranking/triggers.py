"""Counting decisions per bot and enqueueing a retrain after every RANKING_RETRAIN_EVERY of them.

Kept apart from the services so the task's own code never imports the module that enqueues it.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F

from curator.models import RankingState
from curator.ranking import tasks


def decision_counted(*, corpus_id: int | None) -> bool:
    """One more teaching decision on this bot; True when it enqueued a retrain (on commit).

    Two small updates: the count, then a conditional reset that only one of racing decisions wins, so
    each RANKING_RETRAIN_EVERY decisions enqueue exactly one retrain.
    """
    if corpus_id is None:
        return False
    if not RankingState.objects.filter(corpus_id=corpus_id).update(new_decisions=F("new_decisions") + 1):
        RankingState.objects.get_or_create(corpus_id=corpus_id)
        RankingState.objects.filter(corpus_id=corpus_id).update(new_decisions=F("new_decisions") + 1)
    every = settings.RANKING_RETRAIN_EVERY
    if RankingState.objects.filter(corpus_id=corpus_id, new_decisions__gte=every).update(new_decisions=0):
        transaction.on_commit(lambda: tasks.ranker_train.delay(corpus_id))
        return True
    return False
