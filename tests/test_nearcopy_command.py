"""`manage.py nearcopy CORPUS [--json]`: one candidate per line in, one verdict per line out."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from corpora.models import Corpus, TrainingText
from corpora.nearcopy import services as nc

pytestmark = pytest.mark.django_db

TEXTS = [
    "The failing New York Times is writing fiction again, sad to watch them fall apart",
    "We will build a great wall on the southern border and Mexico will pay for it, believe me",
]
INPUT = (
    "the failing new york times is writing fiction again, sad to watch them fall apart!\n"
    "We will build a great wall on the northern border and Mexico will pay for it, believe me\n"
    "A new tweet about golf in Scotland\n"
)


@pytest.fixture
def corpus(settings, tmp_path: Path) -> Corpus:  # type: ignore[no-untyped-def]
    settings.NEARCOPY_DIR = tmp_path / "nearcopy"
    nc._cache.clear()
    corpus = Corpus.objects.create(name="trump", format=Corpus.Format.LINES)
    TrainingText.objects.bulk_create(TrainingText(corpus=corpus, position=i, text=t, original=t) for i, t in enumerate(TEXTS))
    return corpus


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = INPUT) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("nearcopy", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_one_line_per_candidate(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = run(monkeypatch, "trump")
    assert len(lines) == 3
    first, second, third = (line.split("\t") for line in lines)
    ids = list(TrainingText.objects.filter(corpus=corpus).order_by("position").values_list("pk", flat=True))
    assert first[:2] == ["copy", "copy"] and first[3] == f"#{ids[0]}" and first[4] == TEXTS[0]
    assert second[:2] == ["near", "edited copy"] and float(second[2]) >= 80
    assert third[0] == "ok"


def test_it_prints_json_objects_with_the_closest_text_and_spans(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    objects = [json.loads(line) for line in run(monkeypatch, "trump", "--json")]
    assert [o["verdict"] for o in objects] == ["copy", "near", "ok"]
    assert set(objects[0]) == {"verdict", "reason", "score", "closest_id", "closest", "spans"}
    assert objects[0]["closest"] == TEXTS[0] and objects[0]["score"] == 100.0
    span = objects[1]["spans"][0]
    assert set(span) == {"candidate_start", "candidate_end", "training_start", "training_end", "training_id"}
    assert span["training_id"] == objects[1]["closest_id"]


def test_it_keeps_empty_lines_as_candidates(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, "trump", stdin="\nThank you\n") == ["ok", "ok"]


def test_it_names_the_corpora_when_the_corpus_is_unknown(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="No corpus named 'nope' \\(corpora: trump\\)"):
        run(monkeypatch, "nope")
