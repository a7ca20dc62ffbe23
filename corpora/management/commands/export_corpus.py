from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.models import Corpus
from corpora.services import corpus_export_csv, corpus_export_txt


class Command(BaseCommand):
    help = "Write a corpus as gpt-2-simple's training CSV (single column, header) or as plain text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the corpus")
        parser.add_argument("path", help="the file to write (end it in .csv for gpt-2-simple's CSV reader)")
        parser.add_argument("--as", dest="as_", choices=["csv", "txt"], default="csv", help="csv (default) or txt")

    def handle(self, *args: Any, **options: Any) -> None:
        corpus = Corpus.objects.filter(name=options["name"]).first()
        if corpus is None:
            raise CommandError(f'There is no corpus named "{options["name"]}".')
        export = corpus_export_csv if options["as_"] == "csv" else corpus_export_txt
        try:
            count = export(corpus=corpus, path=options["path"])
        except OSError as exc:
            raise CommandError(f"Cannot write {options['path']}: {exc.strerror or exc}.") from None
        self.stdout.write(f'Wrote {count} texts of corpus "{corpus.name}" to {options["path"]} ({options["as_"]}).')
