import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from generation import checkpoints
from generation.gpt2 import files


class Command(BaseCommand):
    help = (
        "Write a randomly initialised GPT-2 checkpoint in gpt-2-simple's format into MODELS_DIR/models/NAME: "
        "by default a small byte-level model (tests, offline demo); with --vocab and --hparams, e.g. a 124M-shaped "
        "model with GPT-2's real vocabulary (benchmarks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--vocab", type=Path, help="Folder with encoder.json and vocab.bpe (e.g. GPT-2's own).")
        parser.add_argument("--hparams", type=Path, help="hparams.json to use (n_vocab must match the vocabulary; n_ctx must be 1024).")

    def handle(self, *args: Any, name: str, vocab: Path | None, hparams: Path | None, **options: Any) -> None:
        try:
            files.name_check(name)
        except files.BadName as exc:
            raise CommandError(f"Model {exc}") from None
        if vocab is not None and not (vocab / "encoder.json").exists():
            raise CommandError(f"{vocab} has no encoder.json.")
        hp = None
        if hparams is not None:
            try:
                hp = json.loads(hparams.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {hparams}: {exc}") from None
        try:
            checkpoint = checkpoints.tiny_model_create(name=name, vocab_dir=vocab, hparams=hp)
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {checkpoint.path} {checkpoint.hparams} (registered as checkpoint {name!r})."))
