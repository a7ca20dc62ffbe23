"""`manage.py ranking_eval`: a JSON Lines replay through the queue's ranker code."""

import json
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.ranking import trump_records
from tests.support.services import shared_data
from tests.test_ranking import CATS, DOGS, kind_text


def write(path: Path, records: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def planted(n: int) -> list[dict[str, object]]:
    """A curator who keeps cat texts; written out of time order (the replay sorts by time)."""
    # Every third is a cat text, except a run of dogs just after the first 100 (what arrival order shows first).
    cat = [i % 3 == 0 and not 100 <= i < 150 for i in range(n)]
    rows = [
        {"text": kind_text(CATS if cat[i] else DOGS, i), "approved": cat[i], "time": f"2020-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00"}
        for i in range(n)
    ]
    random.Random(1).shuffle(rows)
    return rows


def test_it_ranks_a_planted_preference_far_above_arrival_order(tmp_path: Path) -> None:
    out = StringIO()
    call_command("ranking_eval", write(tmp_path / "d.jsonl", planted(600)), "--warmup", "100", "--k", "50", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["ranked"] == 500 and result["k"] == 50
    assert result["auc"] > 0.95
    assert result["best_first"] == 1.0
    # Arrival order is time order: records 100..149 by time, all dog texts.
    assert result["arrival"] == 0.0


def test_it_prints_a_readable_report(tmp_path: Path) -> None:
    out = StringIO()
    call_command("ranking_eval", write(tmp_path / "d.jsonl", planted(300)), "--warmup", "100", "--k", "20", stdout=out)
    text = out.getvalue()
    assert "AUC over the rest" in text and "best first" in text and "arrival order" in text and "random" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "a", "approved": true}\n', "line 1: 'time' must be an ISO 8601 string."),
        ('{"text": "a", "approved": "yes", "time": "2020-01-01"}\n', "line 1: 'approved' must be true or false."),
        ("not json\n", "line 1 is not JSON"),
        ('{"text": "a", "approved": true, "time": "yesterday"}\n', "'time' 'yesterday' is not an ISO 8601 time."),
        ('{"text": "a", "approved": true, "time": "2020-01-01"}\n', "more than the warm-up"),
    ],
)
def test_bad_input_gets_a_clear_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("ranking_eval", str(path), "--warmup", "5")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ranking_eval", str(tmp_path / "nope.jsonl"))


def test_on_the_trump_archive_it_beats_the_plain_baseline_on_auc_and_the_first_cards(tmp_path: Path) -> None:
    """The benchmark's replay (bench/ranking.py): 2013-2016, favourites in the top quarter of the month."""
    records = trump_records(Path(shared_data("trump_tweets_2009_2016.json")))
    out = StringIO()
    call_command("ranking_eval", write(tmp_path / "trump.jsonl", records), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["auc"] >= 0.72
    assert result["auc"] > result["baseline_auc"]
    assert result["best_first"] > result["baseline_best_first"]
    assert result["best_first"] >= 3 * result["arrival"]


@pytest.mark.django_db
def test_export_decisions_writes_json_lines_that_ranking_eval_replays(tmp_path: Path, curator) -> None:  # type: ignore[no-untyped-def]
    from curator import decisions
    from curator.models import Candidate
    from tests.support.queue import make_candidate
    from tests.test_ranking import bot, planted_decisions

    batch = bot("exported")
    planted_decisions(batch, curator, n=60)
    skipped = make_candidate("skipped text", batch=batch)
    decisions.candidate_skip(candidate_id=skipped.pk, by=curator)
    last = make_candidate("a dull one", batch=batch)
    decisions.candidate_reject(candidate_id=last.pk, version=last.version, by=curator, reason="dull")
    path = tmp_path / "decisions.jsonl"
    call_command("export_decisions", "--bot", "exported", "--output", str(path), stderr=StringIO())
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 61  # skips teach nothing and are not decisions here
    assert lines[-1]["text"] == "a dull one" and lines[-1]["approved"] is False and lines[-1]["reason"] == "dull"
    assert lines[-1]["bot"] == "exported" and lines[-1]["checkpoint"] == "exported-markov" and lines[-1]["generation"] == {}
    assert set(lines[0]["signals"]) >= {"logprob", "repetition", "distinct_1", "distinct_2", "nearcopy_score"}
    assert Candidate.objects.filter(pk=lines[0]["candidate"]).exists()
    out = StringIO()
    call_command("ranking_eval", str(path), "--warmup", "30", "--k", "10", "--json", stdout=out)
    assert json.loads(out.getvalue())["auc"] > 0.9


@pytest.mark.django_db
def test_export_decisions_names_an_unknown_bot() -> None:
    with pytest.raises(CommandError, match="No bot"):
        call_command("export_decisions", "--bot", "nobody")
