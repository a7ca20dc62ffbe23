import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.models import Corpus
from generation import services
from generation.forms import FinetuneForm
from generation.models import FINISHED, FinetuneRun, Status


def form_errors(form: Any) -> str:
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


class Command(BaseCommand):
    help = "Queue a finetune on the gpu queue (the same as the Generation page); --wait prints progress and the summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", required=True, help="Corpus name.")
        parser.add_argument("--base", default="124M", help="Base model name (models/<name>).")
        parser.add_argument("--run-name", required=True)
        parser.add_argument("--steps", type=int, default=1000)
        parser.add_argument("--batch-size", type=int, default=1)
        parser.add_argument("--learning-rate", type=float, default=1e-4)
        parser.add_argument("--sample-every", type=int, default=100)
        parser.add_argument("--save-every", type=int, default=500)
        parser.add_argument("--wait", action="store_true", help="Poll until the run ends and print its summary.")
        parser.add_argument("--timeout", type=float, default=0, help="With --wait: give up after this many seconds (0: never).")

    def handle(self, *args: Any, **o: Any) -> None:
        corpus = Corpus.objects.filter(name=o["corpus"]).first()
        if corpus is None:
            raise CommandError(f"No corpus named {o['corpus']!r}.")
        form = FinetuneForm(
            data={
                "corpus": corpus.pk,
                "base_model": o["base"],
                "run_name": o["run_name"],
                "steps": o["steps"],
                "batch_size": o["batch_size"],
                "learning_rate": o["learning_rate"],
                "sample_every": o["sample_every"],
                "save_every": o["save_every"],
            }
        )
        if not form.is_valid():
            raise CommandError(form_errors(form))
        run = services.finetune_start(**form.cleaned_data)
        if run.status == Status.FAILED:
            raise CommandError(f"Finetune {run.run_name} (#{run.pk}): {run.error}")
        self.stdout.write(f"Queued finetune {run.run_name} (#{run.pk}).")
        if not o["wait"]:
            return
        started, last = time.monotonic(), -1
        while True:
            run = FinetuneRun.objects.get(pk=run.pk)
            if run.step != last:
                last = run.step
                if run.loss is not None:
                    self.stdout.write(f"[{run.step} | {run.elapsed_seconds:.2f}] loss={run.loss:.3f} avg={run.avg_loss:.3f}")
            if run.status in FINISHED:
                break
            if o["timeout"] and time.monotonic() - started > o["timeout"]:
                raise CommandError(f"Still {run.status} after {o['timeout']} s; it keeps running on the worker.")
            time.sleep(1)
        self.stdout.write(f"{run.run_name}: {run.get_status_display()} at step {run.step}/{run.steps}, {run.elapsed_seconds:.1f} s.")
        if run.status != Status.SUCCEEDED:
            raise CommandError(run.error or f"The run was {run.status}.")
        self.stdout.write(self.style.SUCCESS(f"Checkpoint {run.run_name!r} registered."))
