"""The persisted index of a corpus: built once, reused by later checks, rebuilt when the texts change."""

from pathlib import Path

import pytest

from corpora.models import Corpus, TrainingText
from corpora.nearcopy import Span, Verdict, check_texts
from corpora.nearcopy import services as nc
from curator.models import Candidate
from curator.nearcopy import verdict_fields

pytestmark = pytest.mark.django_db

TEXTS = [
    "The failing New York Times is writing fiction again, sad to watch them fall apart",
    "We will build a great wall on the southern border and Mexico will pay for it, believe me",
    "Thank you!",
]


@pytest.fixture
def nearcopy_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.NEARCOPY_DIR = tmp_path / "nearcopy"
    nc._cache.clear()
    yield settings.NEARCOPY_DIR
    nc._cache.clear()


def make_corpus(name: str = "trump", texts: list[str] = TEXTS) -> Corpus:
    corpus = Corpus.objects.create(name=name, format=Corpus.Format.LINES)
    TrainingText.objects.bulk_create(TrainingText(corpus=corpus, position=i, text=t, original=t) for i, t in enumerate(texts))
    return corpus


def test_a_check_builds_a_missing_index_and_records_it_on_the_corpus(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    [v] = check_texts(corpus_id=corpus.pk, texts=["the failing new york times is writing fiction again sad to watch them fall apart"])
    assert v.verdict == "copy"
    assert v.closest_id == TrainingText.objects.get(corpus=corpus, position=0).pk
    corpus.refresh_from_db()
    assert corpus.index_built_version == corpus.texts_version == 1
    assert corpus.index_built_at is not None
    assert [p.name for p in nearcopy_dir.iterdir()] == [nc.index_directory(corpus=corpus).name]


def test_the_index_is_persisted_and_reused_not_rebuilt_per_call(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    check_texts(corpus_id=corpus.pk, texts=["anything at all"])
    directory = nc.index_directory(corpus=corpus)
    stamps = {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}
    built_at = Corpus.objects.get(pk=corpus.pk).index_built_at
    # A fresh process (empty cache) maps the same files instead of building again.
    nc._cache.clear()
    for _ in range(3):
        assert check_texts(corpus_id=corpus.pk, texts=["Thank you"])[0].verdict == "copy"
    assert {p.name: p.stat().st_mtime_ns for p in directory.iterdir()} == stamps
    assert Corpus.objects.get(pk=corpus.pk).index_built_at == built_at
    assert nc._cache[corpus.pk][1].directory == directory


def test_it_rebuilds_when_the_texts_version_changes(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    new_text = "Jobs are coming back to Ohio faster than anyone thought possible"
    assert check_texts(corpus_id=corpus.pk, texts=[new_text])[0].verdict == "ok"
    old_dir = nc.index_directory(corpus=corpus)
    TrainingText.objects.create(corpus=corpus, position=3, text=new_text, original=new_text)
    Corpus.objects.filter(pk=corpus.pk).update(texts_version=2)
    assert check_texts(corpus_id=corpus.pk, texts=[new_text])[0].verdict == "copy"
    corpus.refresh_from_db()
    assert corpus.index_built_version == 2
    assert not old_dir.exists()
    assert nc.index_directory(corpus=corpus).exists()


def test_the_build_is_idempotent(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    first = nc.nearcopy_index_build(corpus_id=corpus.pk)
    stamp = (first.directory / "meta.json").stat().st_mtime_ns  # type: ignore[union-attr]
    again = nc.nearcopy_index_build(corpus_id=corpus.pk)
    assert again is not None and again.directory == first.directory  # type: ignore[union-attr]
    assert (again.directory / "meta.json").stat().st_mtime_ns == stamp
    assert nc.nearcopy_index_build(corpus_id=corpus.pk + 1000) is None


def test_an_index_left_by_an_older_database_is_not_reused(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    check_texts(corpus_id=corpus.pk, texts=["x"])
    Corpus.objects.filter(pk=corpus.pk).delete()
    nc._cache.clear()
    other = Corpus.objects.create(pk=corpus.pk, name="other", format=Corpus.Format.LINES)
    TrainingText.objects.create(corpus=other, position=0, text="Something else entirely, said in many words", original="x")
    assert check_texts(corpus_id=other.pk, texts=["Thank you!"])[0].verdict == "ok"


def test_an_unknown_corpus_gives_unchecked_verdicts(nearcopy_dir: Path) -> None:
    assert check_texts(corpus_id=999_999, texts=["a", "b"]) == [Verdict(verdict="unchecked")] * 2


def test_an_empty_corpus_flags_nothing(nearcopy_dir: Path) -> None:
    corpus = make_corpus(texts=[])
    assert [v.verdict for v in check_texts(corpus_id=corpus.pk, texts=["Thank you", ""])] == ["ok", "ok"]


def test_a_verdict_maps_onto_the_candidate_fields(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    text = "We will build a great wall on the northern border and Mexico will pay for it, believe me"
    candidate = Candidate.objects.create(corpus=corpus, text=text, generated_text=text, text_hash="h")
    [verdict] = check_texts(corpus_id=corpus.pk, texts=[text])
    Candidate.objects.filter(pk=candidate.pk).update(**verdict_fields(verdict))
    saved = Candidate.objects.get(pk=candidate.pk)
    assert (saved.nearcopy_verdict, saved.nearcopy_reason) == ("near", "edited copy")
    assert saved.nearcopy_closest_id == verdict.closest_id == TrainingText.objects.get(corpus=corpus, position=1).pk
    assert saved.nearcopy_score == verdict.score
    assert saved.nearcopy_spans == [span.__dict__ for span in verdict.spans]
    assert {"candidate_start", "candidate_end", "training_start", "training_end", "training_id"} == set(saved.nearcopy_spans[0])


def test_an_unchecked_verdict_leaves_no_score() -> None:
    unchecked = verdict_fields(Verdict(verdict="unchecked"))
    assert unchecked["nearcopy_score"] is None and unchecked["nearcopy_spans"] == []
    near = verdict_fields(Verdict("near", "copied span", 90.0, 5, "t", [Span(0, 1, 2, 3, 5)]))
    assert near["nearcopy_score"] == 90.0 and near["nearcopy_spans"] == [
        {"candidate_start": 0, "candidate_end": 1, "training_start": 2, "training_end": 3, "training_id": 5}
    ]


def test_the_build_task_runs_on_the_default_queue() -> None:
    from config.celery import app
    from corpora.nearcopy.tasks import nearcopy_index_build

    route = app.amqp.router.route({}, nearcopy_index_build.name)
    assert route["queue"].name == "default"


def test_a_slow_build_of_an_old_version_never_removes_a_newer_index(nearcopy_dir: Path) -> None:
    corpus = make_corpus()
    Corpus.objects.filter(pk=corpus.pk).update(texts_version=2)
    corpus.refresh_from_db()
    newer = nc.nearcopy_index_build(corpus_id=corpus.pk)
    assert newer is not None
    # A worker that read version 1 before the bump finishes now.
    Corpus.objects.filter(pk=corpus.pk).update(texts_version=1)
    older = nc.nearcopy_index_build(corpus_id=corpus.pk)
    assert older is not None and newer.directory.exists() and older.directory.exists()
    # The next build of the newest version cleans the older one up.
    Corpus.objects.filter(pk=corpus.pk).update(texts_version=2)
    nc.nearcopy_index_build(corpus_id=corpus.pk)
    assert newer.directory.exists() and not older.directory.exists()
