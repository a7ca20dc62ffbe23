from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.models import Corpus
from generation import checkpoints
from generation.forms import MarkovForm


class Command(BaseCommand):
    help = "Build a Markov chain of a corpus (CPU, seconds) and register it as a checkpoint: MODELS_DIR/markov/NAME.json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("corpus", help="The corpus name (as on the Corpora page).")
        parser.add_argument("--name", default="", help="Checkpoint name (default: markov-<corpus>-<n>).")

    def handle(self, *args: Any, corpus: str, name: str, **options: Any) -> None:
        found = Corpus.objects.filter(name=corpus).first()
        if found is None:
            names = ", ".join(Corpus.objects.order_by("name").values_list("name", flat=True)[:20]) or "none yet"
            raise CommandError(f"No corpus named {corpus!r} (corpora: {names}).")
        form = MarkovForm({"corpus": found.pk, "name": name})
        if not form.is_valid():
            raise CommandError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        try:
            checkpoint = checkpoints.markov_checkpoint_create(corpus=found, name=form.cleaned_data["name"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        texts = checkpoint.hparams.get("texts", 0)
        self.stdout.write(
            self.style.SUCCESS(f"Built Markov chain {checkpoint.name!r} from {texts} texts of {found.name!r} ({checkpoint.path}).")
        )
