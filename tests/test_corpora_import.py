"""corpus_import and the exports: every format round-trips, with the per-rule counts asserted exactly."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

from corpora import services
from corpora.models import Corpus, TrainingText
from corpora.services import corpus_export_csv, corpus_export_txt, corpus_import
from corpora.signals import corpus_texts_changed
from tests.support import corpora as samples

pytestmark = pytest.mark.django_db

FORMATS: list[tuple[str, str, Callable[[Path], Path], dict[str, int], list[str]]] = [
    ("csv", "tweets.csv", samples.write_csv, samples.EXPECTED_TEXT, samples.KEPT_TEXT),
    ("csv", "no-header.csv", lambda p: samples.write_csv(p, header=False), samples.EXPECTED_TEXT, samples.KEPT_TEXT),
    ("lines", "tweets.txt", samples.write_lines, samples.EXPECTED_LINES, [*samples.KEPT_TEXT[:-1], "line one", "line two"]),
    ("delimited", "tweets.txt", samples.write_delimited, samples.EXPECTED_TEXT, samples.KEPT_TEXT),
    ("trump_json", "trump.json", samples.write_trump_json, samples.EXPECTED_FLAGGED, samples.KEPT_FLAGGED),
    ("x_archive", "tweets.js", samples.write_x_archive, samples.EXPECTED_FLAGGED, samples.KEPT_FLAGGED),
    ("jsonl", "tweets.jsonl", samples.write_jsonl, samples.EXPECTED_FLAGGED, samples.KEPT_FLAGGED),
]


def counts_of(summary: services.ImportSummary) -> dict[str, int]:
    data = summary.as_dict()
    return {key: data[key] for key in ["read", "kept", *samples.RULE_KEYS]}


def texts_of(corpus: Corpus) -> list[str]:
    return list(corpus.texts.order_by("position").values_list("text", flat=True))


@pytest.mark.parametrize(("fmt", "filename", "write", "expected", "kept"), FORMATS, ids=[f"{f[0]}-{f[1]}" for f in FORMATS])
def test_each_format_is_detected_cleaned_counted_and_round_trips(
    tmp_path: Path, owner: User, fmt: str, filename: str, write: Callable[[Path], Path], expected: dict[str, int], kept: list[str]
) -> None:
    path = write(tmp_path / filename)

    summary = corpus_import(name="c", path_or_file=path, options={}, by=owner)

    assert summary.format == fmt
    assert counts_of(summary) == expected
    corpus = Corpus.objects.get(name="c")
    assert (corpus.read_count, corpus.kept_count, corpus.format, corpus.source_name) == (expected["read"], expected["kept"], fmt, filename)
    assert {k: corpus.counts[k] for k in samples.RULE_KEYS} == {k: expected[k] for k in samples.RULE_KEYS}
    assert texts_of(corpus) == kept
    assert list(corpus.texts.values_list("position", flat=True)) == list(range(len(kept)))
    assert corpus.created_by == owner

    # Out as gpt-2-simple's CSV and as plain text, and back in: the same texts, nothing cleaned twice.
    for exporter, out_name in [(corpus_export_csv, "out.csv"), (corpus_export_txt, "out.txt")]:
        out = tmp_path / out_name
        assert exporter(corpus=corpus, path=out) == len(kept)
        again = corpus_import(name=f"again-{out_name}", path_or_file=out, options={}, by=owner)
        assert again.format == ("csv" if out_name.endswith(".csv") else "delimited")
        assert texts_of(again.corpus) == kept
        assert (again.read, again.kept) == (len(kept), len(kept))


def test_the_format_can_be_given_instead_of_detected(tmp_path: Path, owner: User) -> None:
    # Without a delimiter line the text would be detected as one text per line.
    path = tmp_path / "notes.dat"
    path.write_text("first text\nstill the first\n***\nsecond text\n", encoding="utf-8")

    detected = corpus_import(name="auto", path_or_file=path, options={}, by=owner)
    given = corpus_import(name="given", path_or_file=path, format="lines", options={}, by=owner)

    assert detected.format == "delimited" and texts_of(detected.corpus) == ["first text\nstill the first", "second text"]
    assert detected.corpus.options["delimiter"] == "***"
    assert given.format == "lines" and texts_of(given.corpus) == ["first text", "still the first", "***", "second text"]


def test_a_delimiter_can_be_chosen(tmp_path: Path, owner: User) -> None:
    path = tmp_path / "blocks.txt"
    path.write_text("one\n%%\ntwo\nlines\n%%\nthree\n", encoding="utf-8")

    summary = corpus_import(name="c", path_or_file=path, format="delimited", options={"delimiter": "%%"}, by=owner)

    assert texts_of(summary.corpus) == ["one", "two\nlines", "three"]


def test_each_rule_can_be_switched_off(tmp_path: Path, owner: User) -> None:
    path = samples.write_trump_json(tmp_path / "trump.json")
    off = {
        "drop_too_long": False,
        "drop_retweets": False,
        "drop_replies": False,
        "remove_urls": False,
        "unescape_html": False,
        "normalise_whitespace": False,
        "drop_empty": False,
        "drop_duplicates": False,
    }

    summary = corpus_import(name="raw", path_or_file=path, options=off, by=owner)

    assert counts_of(summary) == {"read": 13, "kept": 13, **dict.fromkeys(samples.RULE_KEYS, 0)}
    assert texts_of(summary.corpus) == [t.text for t in samples.TWEETS]
    assert summary.as_dict()["rules_on"] == []


def test_keeping_only_retweets_and_replies_changes_only_those_counts(tmp_path: Path, owner: User) -> None:
    path = samples.write_trump_json(tmp_path / "trump.json")

    summary = corpus_import(name="c", path_or_file=path, options={"drop_retweets": False, "drop_replies": False}, by=owner)

    # 102 and 103 are kept, as are 104 and 105; nothing else changes.
    assert counts_of(summary) == {**samples.EXPECTED_FLAGGED, "kept": 9, "retweets": 0, "replies": 0}
    assert "RT @bob: something nice" in texts_of(summary.corpus)
    assert "@alice thanks!" in texts_of(summary.corpus)


def test_keeping_urls_puts_back_the_links_the_author_wrote_in_an_x_archive(tmp_path: Path, owner: User) -> None:
    path = samples.write_x_archive(tmp_path / "tweets.js")

    summary = corpus_import(name="c", path_or_file=path, options={"remove_urls": False}, by=owner)

    text = summary.corpus.texts.get(external_id="106")
    assert text.text == "Read this https://example.com/story now"
    assert text.original == "Read this https://t.co/abc now"
    # https://t.co/only is no longer emptied, so it is kept: one empty text fewer.
    assert summary.counts["urls"] == 0 and summary.counts["empty"] == 1 and summary.kept == 6


def test_json_formats_keep_the_id_date_and_original(tmp_path: Path, owner: User) -> None:
    summary = corpus_import(name="c", path_or_file=samples.write_trump_json(tmp_path / "t.json"), options={}, by=owner)

    text = summary.corpus.texts.get(external_id="107")
    assert (text.text, text.original) == ("Fish & chips", "Fish &amp; chips")
    assert text.posted_at == datetime(2009, 5, 4, 18, 54, 25, tzinfo=UTC)
    jsonl = corpus_import(name="j", path_or_file=samples.write_jsonl(tmp_path / "t.jsonl"), options={}, by=owner)
    assert jsonl.corpus.texts.get(external_id="101").posted_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_the_preview_holds_the_first_kept_and_the_first_texts_of_each_rule(tmp_path: Path, owner: User) -> None:
    summary = corpus_import(name="c", path_or_file=samples.write_csv(tmp_path / "t.csv"), options={}, by=owner)

    preview = summary.corpus.preview
    assert [item["text"] for item in preview["kept"]] == samples.KEPT_TEXT[:5]
    assert preview["rules"]["retweets"] == [{"original": "RT @bob: something nice"}]
    assert preview["rules"]["empty"] == [{"original": "https://t.co/only"}, {"original": ".@carol @dave"}]
    assert preview["rules"]["html_entities"] == [{"before": "Fish &amp; chips", "after": "Fish & chips"}]
    assert preview["rules"]["urls"][0] == {"before": "Read this https://t.co/abc now", "after": "Read this  now"}


def test_a_bom_is_accepted(tmp_path: Path, owner: User) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbftweets\nCaf\xc3\xa9 au lait\n")

    summary = corpus_import(name="c", path_or_file=path, options={}, by=owner)

    assert texts_of(summary.corpus) == ["Café au lait"]


def test_it_streams_across_small_chunks_with_multibyte_characters_split(
    tmp_path: Path, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 7-byte reads split "é", "ü" and emoji across reads, and a 50-character window forces the JSON reader to slide.
    monkeypatch.setattr("corpora.source.CHUNK_BYTES", 7)
    monkeypatch.setattr("corpora.formats.CHUNK_KEEP", 50)
    monkeypatch.setattr("corpora.services.INSERT_CHUNK", 3)
    items = [{"text": f"Tweet {i} café über 🌿", "id_str": str(i), "is_retweet": False} for i in range(40)]

    path = tmp_path / "t.json"
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")

    summary = corpus_import(name="c", path_or_file=path, options={}, by=owner)

    assert summary.kept == 40
    assert texts_of(summary.corpus) == [item["text"] for item in items]


def test_it_announces_the_new_texts_inside_the_import_transaction(tmp_path: Path, owner: User) -> None:
    seen: list[tuple[int, bool, int]] = []

    def receiver(sender: type[Corpus], corpus: Corpus, **kwargs: object) -> None:
        seen.append((corpus.pk, connection.in_atomic_block, TrainingText.objects.filter(corpus=corpus).count()))

    corpus_texts_changed.connect(receiver)
    try:
        summary = corpus_import(name="c", path_or_file=samples.write_csv(tmp_path / "t.csv"), options={}, by=owner)
    finally:
        corpus_texts_changed.disconnect(receiver)

    assert seen == [(summary.corpus.pk, True, 7)]


def test_the_gpt2_simple_reader_sees_each_text_between_its_tokens(tmp_path: Path, owner: User) -> None:
    """The exported CSV goes through gpt-2-simple's own load_dataset (real GPT-2 vocabulary)."""
    from tests.support.services import shared_data

    vocab = Path(shared_data("gpt2-vocab/encoder.json")).parent
    from gpt_2_simple.src import encoder
    from gpt_2_simple.src.load_dataset import load_dataset

    summary = corpus_import(name="c", path_or_file=samples.write_csv(tmp_path / "t.csv"), options={}, by=owner)
    out = tmp_path / "train.csv"
    corpus_export_csv(corpus=summary.corpus, path=out)
    enc = encoder.get_encoder(str(vocab))

    chunks = load_dataset(enc, str(out), combine=50000)

    decoded = enc.decode(list(chunks[0]))
    assert decoded == "".join(f"<|startoftext|>{text}<|endoftext|>\n" for text in samples.KEPT_TEXT)


def test_a_nul_character_is_dropped_so_postgresql_can_store_the_text(tmp_path: Path, owner: User) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"text": "a\u0000b", "id": 1}) + "\n", encoding="utf-8")

    summary = corpus_import(name="c", path_or_file=path, options={}, by=owner)

    assert texts_of(summary.corpus) == ["ab"]
    assert summary.corpus.texts.get().original == "ab"


def test_a_name_taken_during_the_import_gets_the_same_message(tmp_path: Path, owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unique constraint is the last word when two imports race for one name."""
    Corpus.objects.create(name="c", format="csv")
    monkeypatch.setattr(services, "_name_taken", lambda name: False)  # as if the other import committed after our check

    with pytest.raises(services.CorpusImportError, match='A corpus named "c" already exists'):
        corpus_import(name="c", path_or_file=samples.write_csv(tmp_path / "t.csv"), options={}, by=owner)

    assert Corpus.objects.count() == 1 and TrainingText.objects.count() == 0


def test_a_csv_with_several_columns_is_read_from_the_column_its_header_names(tmp_path: Path, owner: User) -> None:
    path = tmp_path / "export.csv"
    path.write_text('id,Text,likes\n1,hello,3\n2,"a, b\nand c",5\n', encoding="utf-8")

    summary = corpus_import(name="c", path_or_file=path, options={}, by=owner)

    assert texts_of(summary.corpus) == ["hello", "a, b\nand c"]
