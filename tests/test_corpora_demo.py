"""The offline demo imports the shipped sample corpus once."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from core import demo
from corpora.demo import SAMPLE_PATH, sample_corpus_ensure
from corpora.models import Corpus

pytestmark = pytest.mark.django_db


def test_the_demo_step_is_registered_once() -> None:
    assert demo.DEMO_STEPS.count(sample_corpus_ensure) == 1


def test_the_sample_holds_about_three_hundred_texts_in_gpt2_simple_csv() -> None:
    with SAMPLE_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["tweets"]
    assert all(len(row) == 1 for row in rows)
    assert 280 <= len(rows) - 1 <= 320


def test_setup_demo_imports_the_sample_and_leaves_it_alone_the_second_time() -> None:
    first, second = StringIO(), StringIO()

    call_command("setup_demo", stdout=first)
    call_command("setup_demo", stdout=second)

    corpus = Corpus.objects.get(name="sample")
    assert f'Imported sample corpus "sample": kept {corpus.kept_count} of {corpus.read_count} texts' in first.getvalue()
    assert f'Sample corpus "sample" already there ({corpus.kept_count} texts).' in second.getvalue()
    assert Corpus.objects.count() == 1
    # The sample shows every rule at work.
    assert all(corpus.counts[key] > 0 for key in corpus.counts)
    assert corpus.texts.count() == corpus.kept_count > 250
