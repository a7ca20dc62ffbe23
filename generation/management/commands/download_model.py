from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from generation import checkpoints
from generation.gpt2 import files


class Command(BaseCommand):
    help = "Download a GPT-2 model (124M, 355M, ...) with gpt_2_simple.download_gpt2 into MODELS_DIR/models/<name>."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="124M, 355M, 774M or 1558M")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            files.name_check(name)
        except files.BadName as exc:
            raise CommandError(f"Model {exc}") from None
        try:
            checkpoint = checkpoints.model_download(name=name)
        except checkpoints.DownloadFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Downloaded {name} into {checkpoint.path} (registered as checkpoint {checkpoint.name!r})."))
