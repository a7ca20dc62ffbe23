"""The real Trump Twitter Archive export through the command; counts checked by an independent pass over the file."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from corpora.models import Corpus
from tests.support.services import shared_data

pytestmark = pytest.mark.django_db


def has_link(text: str) -> bool:
    """http:/https: anywhere, www. or pic.twitter.com/ starting a word, or the bare "http" a truncated tweet ends with."""
    low = text.lower()
    return "http:" in low or "https:" in low or bool(re.search(r"\b(www\.\S|pic\.twitter\.com/)|\bhttps?…?$", low))


def test_the_real_archive_imports_with_counts_that_match_the_file() -> None:
    path = shared_data("trump_tweets_2009_2016.json")
    with open(path, encoding="utf-8") as fh:
        tweets = json.load(fh)
    # Independent of the importer: the rules as the issue states them, written out plainly.
    retweets = [t for t in tweets if t["is_retweet"] or t["text"].lstrip().startswith(("RT @", "RT: @", "RT:@"))]
    rest = [t for t in tweets if not (t["is_retweet"] or t["text"].lstrip().startswith(("RT @", "RT: @", "RT:@")))]
    replies = [t for t in rest if t["in_reply_to_user_id_str"] or re.match(r"\s*@\w", t["text"])]
    originals = [t for t in rest if not (t["in_reply_to_user_id_str"] or re.match(r"\s*@\w", t["text"]))]
    with_links = [t for t in originals if has_link(t["text"])]

    out = StringIO()
    call_command("import_corpus", path, "--name", "trump", "--json", stdout=out)

    summary = json.loads(out.getvalue())
    assert summary["read"] == len(tweets) == 30192
    assert summary["retweets"] == len(retweets)
    assert summary["replies"] == len(replies)
    assert summary["urls"] == len(with_links)
    corpus = Corpus.objects.get(name="trump")
    assert corpus.texts.count() == summary["kept"] == corpus.kept_count
    assert summary["kept"] == summary["read"] - sum(summary[k] for k in ("retweets", "replies", "empty", "duplicates"))
    assert not corpus.texts.filter(text__contains="http").exists()
    assert not corpus.texts.filter(text__contains="&amp;").exists()
