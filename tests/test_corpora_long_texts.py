"""Issue 17: a 50 MiB one-line "tweet" was imported whole and the corpus page served it. Over-long texts are a
cleaning rule (dropped, counted, shown in the report), and the corpus page stays small whatever is stored."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from corpora.cleaning import RULES
from corpora.models import Corpus, TrainingText
from corpora.selectors import TEXTS_PER_PAGE
from corpora.services import corpus_import

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _limit(settings: SettingsWrapper) -> None:
    settings.CORPUS_MAX_TEXT_CHARS = 1000


def write_lines(path: Path, *texts: str) -> Path:
    path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
    return path


def test_texts_over_the_limit_are_dropped_counted_and_shown_in_the_report(tmp_path: Path, owner: User) -> None:
    path = write_lines(tmp_path / "t.txt", "a short one", "k" * 1000, "o" * 1001, "Z" + "z" * MIB)

    summary = corpus_import(name="long", path_or_file=path, options={}, by=owner)

    corpus = summary.corpus
    assert (corpus.read_count, corpus.kept_count, corpus.counts["too_long"]) == (4, 2, 2)
    assert list(TrainingText.objects.filter(corpus=corpus).order_by("position").values_list("text", flat=True)) == [
        "a short one",
        "k" * 1000,
    ]
    examples = corpus.preview["rules"]["too_long"]
    assert [len(e["original"]) for e in examples] == [500, 500] and examples[1]["original"].startswith("Zzz")
    assert "  too_long                 2 removed" in summary.lines()


def test_the_command_counts_them_and_can_keep_them_or_take_another_limit(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "t.txt", "a short one", "o" * 1001, "p" * 3000)

    def run(*args: str) -> dict[str, int]:
        out = StringIO()
        call_command("import_corpus", str(path), "--json", *args, stdout=out)
        return json.loads(out.getvalue())

    default = run("--name", "default")
    kept = run("--name", "kept", "--keep-too-long")
    wider = run("--name", "wider", "--max-text-chars", "2000")
    assert (default["too_long"], default["kept"]) == (2, 1)
    assert (kept["too_long"], kept["kept"], "too_long" in kept["rules_on"]) == (0, 3, False)
    assert (wider["too_long"], wider["kept"]) == (1, 2)
    with pytest.raises(CommandError, match=r"The longest text kept must be at least 1 character, not 0\."):
        run("--name", "none", "--max-text-chars", "0")


def test_a_file_of_nothing_but_one_huge_line_says_why_nothing_is_left(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "t.txt", "x" * (2 * MIB))

    with pytest.raises(CommandError, match=r"Nothing is left after cleaning: 1 read, removed: too long 1\."):
        call_command("import_corpus", str(path), "--name", "huge")

    assert not Corpus.objects.exists()


def test_the_upload_page_drops_them_and_its_report_counts_them(owner_client: Client) -> None:
    content = ("short one\n" + "y" * (5 * MIB) + "\nshort two\n").encode()
    data: dict[str, object] = {"name": "up", "format": "", "file": SimpleUploadedFile("t.txt", content)}
    data.update({rule.option: "on" for rule in RULES if rule.default})

    response = owner_client.post(reverse("corpora:upload"), data, follow=True)

    corpus = Corpus.objects.get(name="up")
    html = response.content.decode()
    assert (corpus.kept_count, corpus.counts["too_long"]) == (2, 1)
    assert '<tr data-rule="too_long"><td>Too long</td>' in html and "1 removed" in html
    assert len(html) < 100_000


def _bulk_corpus(n: int, *, long_every: int = 0) -> Corpus:
    corpus = Corpus.objects.create(name=f"bulk{n}", format="lines", kept_count=n, read_count=n)
    TrainingText.objects.bulk_create(
        TrainingText(
            corpus=corpus,
            position=i,
            text=("L" * (2 * MIB) if long_every and i % long_every == 0 else f"text number {i}"),
            original=f"text number {i}",
        )
        for i in range(n)
    )
    return corpus


def test_a_corpus_of_thousands_of_texts_shows_one_small_page_at_a_time(owner_client: Client, htmx_headers: dict[str, str]) -> None:
    corpus = _bulk_corpus(5000)
    url = reverse("corpora:detail", args=[corpus.pk])

    first = owner_client.get(url).content.decode()
    second = owner_client.get(url + "?page=2").content.decode()
    part = owner_client.get(url + "?page=2", **htmx_headers).content.decode()

    assert len(first) < 60_000 and first.count("text number ") == TEXTS_PER_PAGE
    assert "text number 49<" in first and "text number 50<" not in first
    assert "Page 1 of 100" in first and 'href="?page=2"' in first and 'href="?page=100"' in first
    assert "text number 50<" in second and "text number 99<" in second and "text number 100<" not in second
    assert "Page 2 of 100" in second and 'href="?page=1"' in second and 'href="?page=3"' in second
    assert "<html" not in part and "text number 50<" in part


def test_a_stored_text_over_the_limit_is_cut_on_the_page(owner_client: Client) -> None:
    """With the rule switched off (or from before it), 2 MiB texts are stored: the page shows CORPUS_MAX_TEXT_CHARS of each."""
    corpus = _bulk_corpus(100, long_every=2)

    html = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()

    assert len(html) < 100_000
    assert "L" * 1000 + "… <small" in html and "L" * 1001 not in html
    assert f"({2 * MIB} characters; the downloads hold it whole)" in html
    assert "text number 1<" in html
