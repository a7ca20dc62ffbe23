"""Check candidate texts from standard input against a corpus: one line in, one line out."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.models import Corpus
from corpora.nearcopy.services import nearcopy_check

BATCH = 1000


class Command(BaseCommand):
    help = "Read one candidate per line on stdin; print one verdict per line (with --json, one JSON object per line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("corpus", help="corpus name")
        parser.add_argument("--json", action="store_true", help="print JSON objects: verdict, reason, score, closest_id, closest, spans")

    def handle(self, *args: Any, **options: Any) -> None:
        corpus = Corpus.objects.filter(name=options["corpus"]).first()
        if corpus is None:
            names = ", ".join(Corpus.objects.order_by("name").values_list("name", flat=True)[:20]) or "none yet"
            raise CommandError(f"No corpus named {options['corpus']!r} (corpora: {names}).")
        batch: list[str] = []
        for line in sys.stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= BATCH:
                self._emit(corpus, batch, as_json=options["json"])
                batch = []
        if batch:
            self._emit(corpus, batch, as_json=options["json"])

    def _emit(self, corpus: Corpus, texts: list[str], *, as_json: bool) -> None:
        for verdict in nearcopy_check(corpus=corpus, texts=texts):
            if as_json:
                obj = {
                    "verdict": verdict.verdict,
                    "reason": verdict.reason,
                    "score": verdict.score,
                    "closest_id": verdict.closest_id,
                    "closest": verdict.closest,
                    "spans": [span.__dict__ for span in verdict.spans],
                }
                self.stdout.write(json.dumps(obj, ensure_ascii=False))
            else:
                closest = " ".join(verdict.closest.split())
                detail = f"\t{verdict.reason}\t{verdict.score:g}\t#{verdict.closest_id}\t{closest}" if verdict.closest_id else ""
                self.stdout.write(f"{verdict.verdict}{detail}")
