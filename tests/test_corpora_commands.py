"""import_corpus and export_corpus from the command line."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from corpora.models import Corpus
from tests.support import corpora as samples

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_prints_one_line_per_rule_and_the_number_kept(tmp_path: Path) -> None:
    path = samples.write_trump_json(tmp_path / "trump.json")

    lines = run("import_corpus", str(path), "--name", "bot").splitlines()

    assert lines[0].startswith('Imported corpus "bot" from trump.json (Trump Twitter Archive JSON) in ')
    table = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert table == {
        "read": ["13"],
        "too_long": ["0", "removed"],
        "retweets": ["2", "removed"],
        "replies": ["2", "removed"],
        "urls": ["2", "changed"],
        "html_entities": ["1", "changed"],
        "whitespace": ["2", "changed"],
        "empty": ["2", "removed"],
        "duplicates": ["2", "removed"],
        "kept": ["5"],
    }


def test_import_json_prints_one_object_with_read_kept_and_each_rule(tmp_path: Path) -> None:
    path = samples.write_csv(tmp_path / "t.csv")

    out = run("import_corpus", str(path), "--name", "bot", "--json")

    data = json.loads(out)
    assert out.count("\n") <= 1
    assert {key: data[key] for key in ["read", "kept", *samples.RULE_KEYS]} == samples.EXPECTED_TEXT
    assert (data["corpus"], data["format"], data["id"]) == ("bot", "csv", Corpus.objects.get(name="bot").pk)


def test_keep_flags_switch_the_download_tweets_rules_off(tmp_path: Path) -> None:
    path = samples.write_trump_json(tmp_path / "trump.json")

    data = json.loads(run("import_corpus", str(path), "--name", "bot", "--json", "--keep-retweets", "--keep-replies", "--keep-urls"))

    assert (data["retweets"], data["replies"], data["urls"]) == (0, 0, 0)
    # https://t.co/only now stays, the five retweets/replies too: 13 read, 1 empty, 2 duplicates.
    assert (data["empty"], data["duplicates"], data["kept"]) == (1, 2, 10)
    assert data["rules_on"] == ["too_long", "html_entities", "whitespace", "empty", "duplicates"]
    assert Corpus.objects.get(name="bot").options["remove_urls"] is False


def test_every_rule_has_a_keep_flag(tmp_path: Path) -> None:
    path = samples.write_csv(tmp_path / "t.csv")
    flags = [
        "--keep-too-long",
        "--keep-retweets",
        "--keep-replies",
        "--keep-urls",
        "--keep-html-entities",
        "--keep-whitespace",
        "--keep-empty",
        "--keep-duplicates",
    ]

    data = json.loads(run("import_corpus", str(path), "--name", "raw", "--json", *flags))

    assert data["rules_on"] == [] and data["kept"] == data["read"] == 13


def test_format_and_delimiter_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("a\nb\n@@@\nc\n", encoding="utf-8")

    data = json.loads(run("import_corpus", str(path), "--name", "x", "--format", "delimited", "--delimiter", "@@@", "--json"))

    assert data["format"] == "delimited" and data["kept"] == 2


def test_export_writes_the_training_csv_and_the_plain_text(tmp_path: Path) -> None:
    run("import_corpus", str(samples.write_trump_json(tmp_path / "trump.json")), "--name", "bot")

    out = run("export_corpus", "bot", str(tmp_path / "train.csv"))
    run("export_corpus", "bot", str(tmp_path / "train.txt"), "--as", "txt")

    assert out.strip() == f'Wrote 5 texts of corpus "bot" to {tmp_path / "train.csv"} (csv).'
    with (tmp_path / "train.csv").open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [["text"], *[[t] for t in samples.KEPT_FLAGGED]]
    assert (tmp_path / "train.txt").read_text(encoding="utf-8") == "\n==========\n".join(samples.KEPT_FLAGGED) + "\n"


def test_export_of_an_unknown_corpus_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match='There is no corpus named "nope"'):
        call_command("export_corpus", "nope", str(tmp_path / "x.csv"))


def test_import_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file at"):
        call_command("import_corpus", str(tmp_path / "missing.csv"), name="x")
