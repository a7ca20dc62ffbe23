import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from generation import services
from generation.forms import BatchForm
from generation.management.commands.finetune import form_errors
from generation.models import FINISHED, Checkpoint, GenerationBatch, Status


class Command(BaseCommand):
    help = "Queue a generation batch on the gpu queue (the same as the Generation page); --wait prints the summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", required=True, help="Checkpoint name (a run name, a base model or a Markov chain).")
        parser.add_argument("-n", "--n-candidates", type=int, default=100)
        parser.add_argument("--batch-size", type=int, default=20)
        parser.add_argument("--temperature", type=float, default=0.7)
        parser.add_argument("--top-k", type=int, default=0)
        parser.add_argument("--top-p", type=float, default=0.9)
        parser.add_argument("--length", type=int, default=100)
        parser.add_argument("--prefix", default="")
        parser.add_argument("--seed", type=int)
        parser.add_argument("--wait", action="store_true", help="Poll until the batch ends and print its counts.")
        parser.add_argument("--timeout", type=float, default=0, help="With --wait: give up after this many seconds (0: never).")

    def handle(self, *args: Any, **o: Any) -> None:
        checkpoint = Checkpoint.objects.filter(name=o["checkpoint"]).first()
        if checkpoint is None:
            raise CommandError(f"No checkpoint named {o['checkpoint']!r}.")
        fields = ("n_candidates", "batch_size", "temperature", "top_k", "top_p", "length", "prefix", "seed")
        form = BatchForm(data={"checkpoint": checkpoint.pk, **{k: o[k] for k in fields if o[k] is not None}})
        if not form.is_valid():
            raise CommandError(form_errors(form))
        batch = services.batch_start(**form.batch_fields())
        if batch.status == Status.FAILED:
            raise CommandError(f"Batch #{batch.pk}: {batch.error}")
        self.stdout.write(f"Queued batch #{batch.pk}: {batch.n_candidates} candidates from {checkpoint.name}.")
        if not o["wait"]:
            return
        started = time.monotonic()
        while True:
            batch = GenerationBatch.objects.get(pk=batch.pk)
            if batch.status in FINISHED:
                break
            if o["timeout"] and time.monotonic() - started > o["timeout"]:
                raise CommandError(f"Still {batch.status} ({batch.progress}/{batch.n_candidates}) after {o['timeout']} s.")
            time.sleep(0.5)
        if batch.status != Status.SUCCEEDED:
            raise CommandError(batch.error or f"The batch was {batch.status}.")
        self.stdout.write(
            f"Batch #{batch.pk}: generated {batch.generated_count}, kept {batch.kept_count}, duplicate {batch.duplicate_count}, "
            f"too long {batch.too_long_count}, near copy {batch.near_copy_count}, empty {batch.empty_count}; "
            f"{batch.timings.get('generate_s')} s ({batch.timings.get('candidates_per_s')} candidates/s)."
        )
