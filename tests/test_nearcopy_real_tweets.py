"""The rules on the real archive (shared data): near copies of real tweets are caught, a new tweet is not."""

import json
from pathlib import Path

import pytest

from corpora.nearcopy.index import Index, index_write
from corpora.nearcopy.matching import Thresholds, index_check
from tests.support.services import shared_data


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, list[str]]:
    tweets = [t["text"] for t in json.loads(Path(shared_data("trump_tweets_2009_2016.json")).read_text())]
    index = index_write(texts=list(enumerate(tweets, start=1)), directory=tmp_path_factory.mktemp("real") / "idx")
    return index, tweets


def test_near_copies_of_real_tweets_are_caught_with_their_source(real: tuple[Index, list[str]]) -> None:
    index, tweets = real
    long = [t for t in tweets if len(t.split()) >= 16 and "&" not in t][:3]
    a, b, c = (t.split() for t in long)
    cases = {
        "copy": long[0].upper() + " https://t.co/abc",
        "edited copy": " ".join([*a[:5], "tremendous", *a[6:]]),
        "copied span": "Folks, I have said it before and I will say it again: " + " ".join(b[2:12]) + " and nobody listens!",
        "stitched": " ".join(b[: len(b) // 2] + c[len(c) // 2 :]),
    }
    verdicts = index_check(index=index, texts=list(cases.values()), th=Thresholds())
    got = {reason: (v.reason, v.closest) for reason, v in zip(cases, verdicts, strict=True)}
    assert got["copy"] == ("copy", long[0])
    assert got["edited copy"] == ("edited copy", long[0])
    assert got["copied span"] == ("copied span", long[1])
    assert got["stitched"][0] == "stitched" and got["stitched"][1] in (long[1], long[2])


def test_a_new_tweet_with_common_phrases_is_original(real: tuple[Index, list[str]]) -> None:
    index, _ = real
    [v] = index_check(
        index=index,
        texts=["Thank you to the wonderful people of Idaho for a great evening. We will win and make our farms strong again!"],
        th=Thresholds(),
    )
    assert v.verdict == "ok" and v.closest_id is not None and v.score < 80
