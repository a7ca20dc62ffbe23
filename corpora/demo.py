"""The offline demo's corpus: a sample written for this project (an over-enthusiastic houseplant), imported once."""

from pathlib import Path

from corpora.models import Corpus
from corpora.services import corpus_import

SAMPLE_NAME = "sample"
SAMPLE_PATH = Path(__file__).resolve().parent / "sample" / "houseplant.csv"


def sample_corpus_ensure() -> str:
    """Import the sample as corpus "sample" unless it exists; one line saying what happened."""
    existing = Corpus.objects.filter(name=SAMPLE_NAME).first()
    if existing is not None:
        return f'Sample corpus "{SAMPLE_NAME}" already there ({existing.kept_count} texts).'
    summary = corpus_import(name=SAMPLE_NAME, path_or_file=SAMPLE_PATH, format=Corpus.Format.CSV, options={}, by=None)
    return f'Imported sample corpus "{SAMPLE_NAME}": kept {summary.kept} of {summary.read} texts from {SAMPLE_PATH.name}.'
