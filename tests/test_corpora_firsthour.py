"""Issue 16, point 10: corpora a new operator tripped on (UTF-16, cut-off files, self-replies, rename, delete)."""

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from corpora.models import Corpus
from corpora.services import corpus_import
from generation.models import Checkpoint, FinetuneRun

pytestmark = pytest.mark.django_db

TWEETS = ["Früh übt sich, wer ein Meister werden will", "東京で会いましょう", "Plain ASCII, with a comma"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
@pytest.mark.parametrize(
    "name, body", [("t.csv", "text\n" + "\n".join(f'"{t}"' for t in TWEETS) + "\n"), ("t.txt", "\n".join(TWEETS) + "\n")]
)
def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path: Path, encoding: str, name: str, body: str) -> None:
    path = tmp_path / name
    data = body.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python's utf-16-be writes no BOM: add the big-endian one
    path.write_bytes(data)
    summary = corpus_import(name=f"{name}-{encoding}", path_or_file=path, by=None)
    assert list(summary.corpus.texts.order_by("position").values_list("text", flat=True)) == TWEETS


def test_utf16_json_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_bytes(json.dumps([{"text": t, "id_str": str(i)} for i, t in enumerate(TWEETS)], ensure_ascii=False).encode("utf-16"))
    summary = corpus_import(name="json16", path_or_file=path, by=None)
    assert summary.kept == 3


def _archive(tmp_path: Path) -> Path:
    tweets = [
        {"tweet": {"id_str": "1", "full_text": "A thread about gardens, part one"}},
        # The author's own continuation: a reply, to themselves, which X writes without the leading @handle.
        {
            "tweet": {
                "id_str": "2",
                "full_text": "and part two of the thread",
                "in_reply_to_status_id_str": "1",
                "in_reply_to_user_id_str": "77",
            }
        },
        {
            "tweet": {
                "id_str": "3",
                "full_text": "@someone thanks for asking",
                "in_reply_to_status_id_str": "9",
                "in_reply_to_user_id_str": "88",
            }
        },
    ]
    path = tmp_path / "tweets.js"
    path.write_text("window.YTD.tweets.part0 = " + json.dumps(tweets))
    return path


def test_self_replies_are_dropped_by_default_and_kept_on_request(tmp_path: Path) -> None:
    path = _archive(tmp_path)
    default = corpus_import(name="default", path_or_file=path, by=None)
    assert list(default.corpus.texts.values_list("text", flat=True)) == ["A thread about gardens, part one"]
    kept = corpus_import(name="threads", path_or_file=path, by=None, options={"keep_self_replies": True})
    assert list(kept.corpus.texts.order_by("position").values_list("text", flat=True)) == [
        "A thread about gardens, part one",
        "and part two of the thread",
    ]
    assert kept.counts["replies"] == 1


def test_self_replies_by_the_authors_id_when_the_item_names_the_author(tmp_path: Path) -> None:
    rows = [
        {"text": "first", "user": {"id_str": "5"}},
        {"text": "continued here", "user": {"id_str": "5"}, "in_reply_to_user_id_str": "5", "in_reply_to_status_id_str": "1"},
        {"text": "answering a fan", "user": {"id_str": "5"}, "in_reply_to_user_id_str": "6", "in_reply_to_status_id_str": "2"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    kept = corpus_import(name="api", path_or_file=path, by=None, options={"keep_self_replies": True})
    assert list(kept.corpus.texts.order_by("position").values_list("text", flat=True)) == ["first", "continued here"]


def test_the_upload_form_offers_keeping_self_replies(owner_client: Client, tmp_path: Path) -> None:
    page = owner_client.get(reverse("corpora:upload")).content.decode()
    assert "keep self-replies" in page and 'name="keep_self_replies"' in page
    path = _archive(tmp_path)
    with path.open("rb") as f:
        owner_client.post(reverse("corpora:upload"), {"name": "up", "file": f, "keep_self_replies": "on", **dict.fromkeys(_rules(), "on")})
    assert Corpus.objects.get(name="up").texts.count() == 2


def _rules() -> list[str]:
    from corpora.cleaning import RULES

    return [rule.option for rule in RULES]


def _corpus(name: str = "proverbs") -> Corpus:
    corpus = Corpus.objects.create(name=name, format=Corpus.Format.LINES)
    corpus.texts.create(position=0, text="A stitch in time", original="A stitch in time")
    return corpus


def test_an_owner_renames_a_corpus(owner_client: Client) -> None:
    corpus = _corpus()
    _corpus("taken")
    owner_client.post(reverse("corpora:rename", args=[corpus.pk]), {"name": "Taken"})
    page = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    assert "Not renamed: There is already a corpus named" in page
    owner_client.post(reverse("corpora:rename", args=[corpus.pk]), {"name": "  old  sayings "})
    corpus.refresh_from_db()
    assert corpus.name == "old sayings"


def test_the_corpus_page_says_what_depends_on_it_and_delete_keeps_the_rest(owner_client: Client) -> None:
    corpus = _corpus()
    chain = Checkpoint.objects.create(name="markov-proverbs-1", kind=Checkpoint.Kind.MARKOV, path="markov/x.json", corpus=corpus)
    page = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    assert "1 training text: deleted with it." in page
    assert "Checkpoint markov-proverbs-1: keep working, without the link to this corpus." in page
    assert 'data-confirm="Delete the corpus proverbs and its 1 texts?' in page
    response = owner_client.post(reverse("corpora:delete", args=[corpus.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("corpora:list")
    assert not Corpus.objects.filter(pk=corpus.pk).exists()
    chain.refresh_from_db()
    assert chain.corpus is None


def test_a_corpus_a_finetune_run_learned_from_is_not_deleted(owner_client: Client) -> None:
    corpus = _corpus()
    FinetuneRun.objects.create(corpus=corpus, base_model="124M", run_name="proverbs-1", steps=10)
    page = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    assert "Finetune run proverbs-1: trained on it, so it cannot be deleted while they exist." in page
    owner_client.post(reverse("corpora:delete", args=[corpus.pk]))
    assert Corpus.objects.filter(pk=corpus.pk).exists()
    page = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    assert "cannot be deleted: the finetune run(s) proverbs-1 were trained on it" in page


def test_rename_and_delete_are_for_owners(curator_client: Client) -> None:
    corpus = _corpus()
    assert curator_client.post(reverse("corpora:rename", args=[corpus.pk]), {"name": "x"}).status_code == 403
    assert curator_client.post(reverse("corpora:delete", args=[corpus.pk])).status_code == 403
    assert Corpus.objects.get(pk=corpus.pk).name == "proverbs"
