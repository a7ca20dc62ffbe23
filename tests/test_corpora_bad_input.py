"""Bad input gets one clear message and imports nothing: through the command and through the upload page."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pytest_django.fixtures import Settings as SettingsWrapper

from corpora.cleaning import RULES
from corpora.models import Corpus, TrainingText

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    content: bytes
    says: list[str]  # every fragment must be in the message
    format: str = ""
    name: str = "new"
    max_bytes: int | None = None
    page_says: list[str] = field(default_factory=list)  # where the page words it differently (form validation)


GOOD_CSV = b"tweets\nhello there\n"
DEEP = b"[" * 100_000 + b"]" * 100_000
BROKEN_JSON = b'[\n {"text": "one", "id_str": "1"},\n {"text": "two", "id_str": "2"}\n {"text": "three", "id_str": "3"}\n]\n'

CASES = [
    Case(
        "unknown-format-given",
        "t.csv",
        GOOD_CSV,
        ["Unknown format 'xml'", "csv, lines, delimited"],
        format="xml",
        page_says=["Unknown format xml"],
    ),
    Case("unknown-format-detected", "tweets.zip", b"PK\x03\x04\x14\x00\x00\x00binary", ["Unknown format", "binary file (.zip)"]),
    Case("unknown-format-json-name", "tweets.json", b"hello, I am not JSON\n", ["Unknown format", "named .json"]),
    Case("broken-json", "trump.json", BROKEN_JSON, ["not valid JSON", "expected ',' or ']'", "line 4, column 2"]),
    Case(
        "broken-json-cut-short",
        "trump.json",
        b'[{"text": "one"},\n {"text": "tw',
        ["looks cut off", "the item starting at line 2, column 2 is never closed"],
    ),
    Case(
        "broken-json-item",
        "trump.json",
        b'[{"text": "one"},\n {"full_text": "two"}]',
        ["not a Trump Twitter Archive export", "line 2", '"text"'],
    ),
    Case(
        "broken-x-archive",
        "tweets.js",
        b'window.YTD.tweets.part0 = [\n  {"tweet": {"full_text": "a"}},\n  {"tweet": {"full_text": "b"}}}\n]',
        ["not valid JSON", "line 3"],
    ),
    Case("broken-jsonl", "t.jsonl", b'{"text": "one"}\n{"text": "two"\n', ["not valid JSON Lines", "line 2"]),
    Case("broken-csv-quote", "t.csv", b'tweets\nfine\n"not closed\nmore\n', ["not valid CSV", "line 3", "not closed"]),
    Case("broken-csv-columns", "t.csv", b"first\nsecond, with a comma\n", ["not a single-column CSV", "line 2 has 2 fields"]),
    Case("not-utf8", "t.csv", "tweets\ncafé\n".encode("latin-1"), ["not UTF-8", "byte 0xe9 at line 2", "Save the file as UTF-8"]),
    Case("utf16-without-bom", "t.txt", "hello\n".encode("utf-16-le"), ["not UTF-8", "without a byte-order mark", "line 1"]),
    Case(
        "cut-off-json",
        "t.json",
        b'[{"text": "one", "id_str": "1"}, {"text": "tw',
        ["looks cut off", "line 1, column 34", "Download or copy"],
    ),
    Case("cut-off-json-array", "t.json", b'[{"text": "one", "id_str": "1"}, ', ["looks cut off", "closing ']' is missing"]),
    Case("cut-off-jsonl", "t.jsonl", b'{"text": "one"}\n{"text": "tw', ["looks cut off", "last line (2)"]),
    Case(
        "empty-after-cleaning",
        "t.csv",
        b"tweets\nRT @a: one\n@b two\nhttp://x.co/3\n",
        ["Nothing is left after cleaning", "retweets 1", "replies 1"],
    ),
    Case("no-texts", "t.txt", b"\n\n", ["holds no texts"]),
    Case("too-big", "t.csv", GOOD_CSV * 10, ["over the limit of 50 bytes", "CORPUS_MAX_UPLOAD_BYTES"], max_bytes=50),
    Case("duplicate-name", "t.csv", GOOD_CSV, ['A corpus named "taken" already exists'], name="taken"),
    # Hostile files (issue 17): valid JSON or values that Python's readers or the databases refuse.
    Case("deep-json-file", "t.json", DEEP, ["t.json cannot be imported", "line 1, column 2", "nested too deeply"]),
    Case(
        "deep-json-item", "t.json", b'[{"text": "one"},\n {"text": "two", "x": ' + DEEP + b"}]", ["line 2, column 2", "nested too deeply"]
    ),
    Case(
        "deep-x-archive-item",
        "tweets.js",
        b'window.YTD.tweets.part0 = [\n  {"tweet": {"full_text": "a", "entities": ' + DEEP + b"}}\n]",
        ["tweets.js cannot be imported", "line 2, column 3", "nested too deeply"],
    ),
    Case("deep-jsonl-line", "t.jsonl", b'{"text": "one"}\n' + DEEP + b"\n", ["t.jsonl cannot be imported", "line 2", "nested too deeply"]),
    Case("deep-jsonl-item", "t.jsonl", b'{"text": "one", "x": ' + DEEP + b"}\n", ["line 1", "nested too deeply"]),
    Case(
        "long-number",
        "t.json",
        b'[{"text": "one", "id": ' + b"7" * 5000 + b"}]",
        ["cannot be imported", "line 1, column 2", "a number with more than 4300 digits"],
    ),
    Case(
        "far-year-twitter-date",
        "t.json",
        b'[{"text": "one"},\n {"text": "two", "created_at": "Mon May 04 18:54:25 +0000 99999999999999999999"}]',
        ["t.json cannot be imported", "line 2, column 2", '"created_at" out of range', "years 1 to 9999"],
    ),
    Case(
        "far-year-iso-date",
        "t.jsonl",
        b'{"text": "one", "created_at": "99999999999999999999-01-01T00:00:00"}\n',
        ["line 1", '"created_at" out of range', "years 1 to 9999"],
    ),
    Case(
        "year-one-east-of-utc",
        "t.jsonl",
        b'{"text": "one", "created_at": "0001-01-01T00:30:00+01:00"}\n',
        ['"created_at" out of range', "years 1 to 9999 (in UTC)"],
    ),
    Case(
        "nul-in-id-str",
        "t.json",
        b'[{"text": "one", "id_str": "1"},\n {"text": "two", "id_str": "12\\u00003"}]',
        ["t.json cannot be imported", "line 2, column 2", 'control character in its "id_str"'],
    ),
    Case("nul-in-id-jsonl", "t.jsonl", b'{"text": "one", "id_str": "12\\u00003"}\n', ["line 1", 'control character in its "id_str"']),
    Case("object-as-id", "t.jsonl", b'{"text": "one", "id": {"a": 1}}\n', ["line 1", '"id" that is neither a string nor a number']),
]


@pytest.fixture
def taken() -> Corpus:
    corpus = Corpus.objects.create(name="taken", format="csv", kept_count=1)
    TrainingText.objects.create(corpus=corpus, position=0, text="x", original="x")
    return corpus


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_command_refuses_bad_input_with_one_message(case: Case, tmp_path: Path, taken: Corpus, settings: SettingsWrapper) -> None:
    if case.max_bytes:
        settings.CORPUS_MAX_UPLOAD_BYTES = case.max_bytes
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    args = {"name": case.name, **({"format": case.format} if case.format else {})}

    with pytest.raises(CommandError) as raised:
        call_command("import_corpus", str(path), **args)

    message = str(raised.value)
    for fragment in case.says:
        assert fragment in message
    assert "\n" not in message
    assert list(Corpus.objects.values_list("name", flat=True)) == ["taken"]
    assert TrainingText.objects.count() == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_upload_page_refuses_bad_input_with_one_message(
    case: Case, htmx: bool, owner_client: Client, taken: Corpus, settings: SettingsWrapper, htmx_headers: dict[str, str]
) -> None:
    if case.max_bytes:
        settings.CORPUS_MAX_UPLOAD_BYTES = case.max_bytes
    data: dict[str, object] = {"name": case.name, "format": case.format, "file": SimpleUploadedFile(case.filename, case.content)}
    data.update({rule.option: "on" for rule in RULES if rule.default})

    response = owner_client.post(reverse("corpora:upload"), data, **(htmx_headers if htmx else {}))

    assert response.status_code == 200
    html = response.content.decode()
    for fragment in case.page_says or case.says:
        assert escape(fragment) in html
    if not case.page_says:
        assert "Nothing was imported." in html
    assert ("<html" in html) is not htmx
    assert list(Corpus.objects.values_list("name", flat=True)) == ["taken"]
    assert TrainingText.objects.count() == 1


def test_an_error_after_thousands_of_texts_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports are atomic: texts already inserted in earlier chunks are rolled back."""
    monkeypatch.setattr("corpora.services.INSERT_CHUNK", 100)
    items = [json.dumps({"text": f"tweet number {i}", "id_str": str(i)}) for i in range(1000)]
    path = tmp_path / "t.json"
    path.write_text("[\n" + ",\n".join(items) + ",\n{oops}\n]", encoding="utf-8")

    with pytest.raises(CommandError, match="line 1002"):
        call_command("import_corpus", str(path), name="big")

    assert Corpus.objects.count() == 0
    assert TrainingText.objects.count() == 0
