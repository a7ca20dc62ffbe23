"""A real Celery worker builds a corpus' index after an import says its texts changed."""

from pathlib import Path

import pytest
from django.db import transaction

from corpora.models import Corpus, TrainingText
from corpora.nearcopy import check_texts
from corpora.nearcopy import services as nc
from corpora.signals import corpus_texts_changed
from tests.support.workers import Worker, wait_for

TEXTS = [
    "The failing New York Times is writing fiction again, sad to watch them fall apart",
    "Jobs are coming back to Ohio faster than anyone thought possible",
]


@pytest.fixture
def nearcopy_dir(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    # Set before the worker starts, so its process uses the same directory as this one.
    directory = tmp_path / "nearcopy"
    monkeypatch.setenv("NEARCOPY_DIR", str(directory))
    settings.NEARCOPY_DIR = directory
    nc._cache.clear()
    return directory


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_the_index_after_the_import_commits(nearcopy_dir: Path, worker: Worker) -> None:
    with transaction.atomic():
        corpus = Corpus.objects.create(name="trump", format=Corpus.Format.LINES)
        TrainingText.objects.bulk_create(TrainingText(corpus=corpus, position=i, text=t, original=t) for i, t in enumerate(TEXTS))
        corpus_texts_changed.send(sender=Corpus, corpus=corpus)
        # Nothing is enqueued before commit: the worker must not see a half-imported corpus.
        assert not nearcopy_dir.exists()
    wait_for(
        lambda: Corpus.objects.filter(pk=corpus.pk, index_built_version=1).exists(),
        timeout=60,
        message=f"the worker to build the index\n{worker.output}",
    )
    corpus.refresh_from_db()
    directory = nc.index_directory(corpus=corpus)
    meta = (directory / "meta.json").read_text()
    assert "nearcopy_index_build" in worker.output
    # The web process maps what the worker built instead of building its own.
    assert check_texts(corpus_id=corpus.pk, texts=[TEXTS[1]])[0].verdict == "copy"
    assert (directory / "meta.json").read_text() == meta
    assert Corpus.objects.get(pk=corpus.pk).index_built_at == corpus.index_built_at


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_import_enqueues_nothing(nearcopy_dir: Path, worker: Worker) -> None:
    corpus = Corpus.objects.create(name="trump", format=Corpus.Format.LINES)
    with pytest.raises(RuntimeError), transaction.atomic():
        TrainingText.objects.create(corpus=corpus, position=0, text=TEXTS[0], original=TEXTS[0])
        corpus_texts_changed.send(sender=Corpus, corpus=corpus)
        raise RuntimeError("the import failed")
    # A later, committed change is built; the rolled-back one never was.
    with transaction.atomic():
        Corpus.objects.filter(pk=corpus.pk).update(texts_version=2)
        corpus.refresh_from_db()
        corpus_texts_changed.send(sender=Corpus, corpus=corpus)
    wait_for(lambda: Corpus.objects.filter(pk=corpus.pk, index_built_version=2).exists(), timeout=60, message=worker.output)
    received = [line for line in worker.lines if "nearcopy_index_build[" in line and "received" in line]
    assert len(received) == 1, worker.output
    assert [p.name for p in nearcopy_dir.iterdir()] == [nc.index_directory(corpus=corpus).name]
