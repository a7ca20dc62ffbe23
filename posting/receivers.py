"""What posting does when other apps' events happen (connected in PostingConfig.ready)."""

from typing import Any

from django.dispatch import receiver

from generation.models import GenerationBatch
from generation.signals import batch_finished
from posting.mentions import mention_batch_finished


@receiver(batch_finished, sender=GenerationBatch, dispatch_uid="posting.mention_batch_finished")
def _mention_batch_finished(sender: Any, batch: GenerationBatch, **kwargs: Any) -> None:
    mention_batch_finished(batch=batch)
