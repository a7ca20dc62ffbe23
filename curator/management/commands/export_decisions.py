"""Write the curators' teaching decisions as JSON Lines (the input `ranking_eval` replays)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.models import Corpus
from curator.models import Decision
from curator.ranking.services import KEEP, TEACHING


class Command(BaseCommand):
    help = (
        "Write approve/schedule/reject decisions (not undone) as JSON Lines: text, approved, decision, reason, time, bot, "
        "generation parameters and signals. The file replays through `manage.py ranking_eval`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bot", help="only this bot (corpus name)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        decisions = Decision.objects.filter(action__in=TEACHING, undone=False).order_by("created_at", "id")
        if options["bot"]:
            corpus = Corpus.objects.filter(name=options["bot"]).first()
            if corpus is None:
                raise CommandError(f"No bot (corpus) named {options['bot']!r}.")
            decisions = decisions.filter(candidate__corpus=corpus)
        rows = decisions.values(
            "action",
            "after_text",
            "data",
            "created_at",
            "candidate_id",
            "candidate__corpus__name",
            "candidate__batch_id",
            "candidate__batch__checkpoint__name",
            "candidate__batch__backend",
            "candidate__batch__temperature",
            "candidate__batch__top_k",
            "candidate__batch__top_p",
            "candidate__logprob",
            "candidate__repetition",
            "candidate__distinct_1",
            "candidate__distinct_2",
            "candidate__weighted_length",
            "candidate__nearcopy_verdict",
            "candidate__nearcopy_score",
        )
        if not options["output"]:
            self._write(rows, self.stdout)
            return
        try:
            with Path(options["output"]).open("w", encoding="utf-8") as fh:
                count = self._write(rows, fh)
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from None
        self.stderr.write(f"{count} decisions written to {options['output']}.")

    def _write(self, rows: Any, out: Any) -> int:
        count = 0
        for r in rows.iterator(chunk_size=2000):
            gpt2 = r["candidate__batch__backend"] == "gpt2"
            record = {
                "text": r["after_text"],
                "approved": r["action"] in KEEP,
                "decision": r["action"],
                "reason": (r["data"] or {}).get("reason", ""),
                "time": r["created_at"].isoformat(),
                "bot": r["candidate__corpus__name"],
                "candidate": r["candidate_id"],
                "batch": r["candidate__batch_id"],
                "checkpoint": r["candidate__batch__checkpoint__name"],
                # A Markov batch has no GPT-2 settings: none are written for it.
                "generation": {k: r[f"candidate__batch__{k}"] for k in ("temperature", "top_k", "top_p")} if gpt2 else {},
                "signals": {
                    "logprob": r["candidate__logprob"],
                    "repetition": r["candidate__repetition"],
                    "distinct_1": r["candidate__distinct_1"],
                    "distinct_2": r["candidate__distinct_2"],
                    "weighted_length": r["candidate__weighted_length"],
                    "nearcopy_verdict": r["candidate__nearcopy_verdict"],
                    "nearcopy_score": r["candidate__nearcopy_score"],
                },
                "probability": (r["data"] or {}).get("probability"),
                "random": bool((r["data"] or {}).get("random")),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
