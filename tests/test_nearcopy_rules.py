"""The near-copy rules on hand-made texts: each kind is caught with its reason and spans; common phrases are not."""

from pathlib import Path

import pytest
from rapidfuzz import fuzz

from core.tweets import normalise
from corpora.nearcopy import Verdict
from corpora.nearcopy.highlight import candidate_segments, segments
from corpora.nearcopy.index import Index, index_write
from corpora.nearcopy.matching import Thresholds, index_check
from corpora.nearcopy.text import words_with_offsets

TRAINING = {
    101: "Thank you!",
    102: "Thank you for your support",
    103: "The failing New York Times is writing fiction again, sad to watch them fall apart",
    104: "Crooked Hillary will never be able to fix the economy, she has had thirty years to do it",
    105: "We will build a great wall on the southern border and Mexico will pay for it, believe me",
    106: "Watch my interview on Fox tonight at ten o'clock, it will be a big one",
    107: "Make America Great Again!",
    108: "I am in Iowa today with wonderful people who love our country very much",
    109: "Jobs are coming back to Ohio faster than anyone thought possible",
    110: "Big rally in Florida tonight &amp; the crowd is AMAZING. https://t.co/abc @someone",
    111: "Thank you Iowa",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_write(texts=list(TRAINING.items()), directory=Path(tmp_path_factory.mktemp("nc")) / "idx")


def check(index: Index, *texts: str) -> list[Verdict]:
    return index_check(index=index, texts=list(texts), th=Thresholds())


def one(index: Index, text: str) -> Verdict:
    return check(index, text)[0]


def marked(text: str, v: Verdict) -> list[str]:
    return [s.text for s in candidate_segments(text, v.spans) if s.marked]


def test_the_default_thresholds_are_the_settings(settings) -> None:  # type: ignore[no-untyped-def]
    assert Thresholds() == Thresholds.from_settings()


def test_it_flags_a_copy_that_differs_only_in_case_punctuation_urls_and_mentions(index: Index) -> None:
    text = "THE FAILING NEW YORK TIMES is writing fiction again... sad to watch them fall apart!!! https://t.co/x @nyt"
    v = one(index, text)
    assert (v.verdict, v.reason, v.score, v.closest_id) == ("copy", "copy", 100.0, 103)
    assert v.closest == TRAINING[103]
    assert marked(text, v) == ["THE FAILING NEW YORK TIMES is writing fiction again... sad to watch them fall apart"]
    assert v.spans[0].training_start == 0 and v.spans[0].training_end == len(TRAINING[103])


def test_it_folds_html_entities_and_maps_offsets_back_to_the_raw_training_text(index: Index) -> None:
    v = one(index, "Big rally in Florida tonight & the crowd is amazing")
    assert (v.verdict, v.closest_id) == ("copy", 110)
    span = v.spans[0]
    assert TRAINING[110][span.training_start : span.training_end] == "Big rally in Florida tonight &amp; the crowd is AMAZING"


def test_a_short_exact_copy_is_still_a_copy(index: Index) -> None:
    v = one(index, "thank you")
    assert (v.verdict, v.closest_id) == ("copy", 101)


def test_it_flags_an_edited_copy_with_a_word_substituted(index: Index) -> None:
    text = "We will build a great wall on the northern border and Mexico will pay for it, believe me!"
    v = one(index, text)
    assert (v.verdict, v.reason, v.closest_id) == ("near", "edited copy", 105)
    assert 80 <= v.score < 100
    assert marked(text, v) == ["We will build a great wall on the", "border and Mexico will pay for it, believe me"]


def test_it_flags_an_edited_copy_whose_edits_leave_no_long_run(index: Index) -> None:
    text = "Jobs are coming home to Ohio faster than anybody thought possible"
    assert fuzz.ratio(normalise(text), normalise(TRAINING[109])) >= 80
    v = one(index, text)
    assert (v.verdict, v.reason, v.closest_id) == ("near", "edited copy", 109)


def test_it_flags_a_training_text_inside_a_longer_candidate(index: Index) -> None:
    text = "Folks, listen. The failing New York Times is writing fiction again, sad to watch them fall apart. We will win so much, and you will be tired of winning!"
    v = one(index, text)
    assert (v.verdict, v.reason, v.closest_id, v.score) == ("near", "copied span", 103, 100.0)
    assert marked(text, v) == ["The failing New York Times is writing fiction again, sad to watch them fall apart"]


def test_it_flags_a_candidate_that_is_a_prefix_of_a_training_text(index: Index) -> None:
    v = one(index, "Crooked Hillary will never be able to")
    assert (v.verdict, v.reason, v.closest_id) == ("near", "copied span", 104)
    assert TRAINING[104][v.spans[0].training_start : v.spans[0].training_end] == "Crooked Hillary will never be able to"


def test_it_flags_a_long_run_shared_between_two_long_texts(index: Index) -> None:
    text = "Yesterday I said that Crooked Hillary will never be able to fix the economy but the media ignored it completely as always, so unfair to the voters"
    v = one(index, text)
    assert (v.verdict, v.reason, v.closest_id) == ("near", "copied span", 104)
    assert marked(text, v) == ["Crooked Hillary will never be able to fix the economy"]


def test_it_flags_two_training_texts_stitched_together(index: Index) -> None:
    text = "Watch my interview on Fox tonight: jobs are coming back to Ohio faster"
    v = one(index, text)
    assert (v.verdict, v.reason) == ("near", "stitched")
    assert v.score == 100.0
    assert {s.training_id for s in v.spans} == {106, 109}
    assert marked(text, v) == ["Watch my interview on Fox tonight", "jobs are coming back to Ohio faster"]


@pytest.mark.parametrize(
    "text",
    [
        "Thank you to all of the great people, what a wonderful crowd tonight!",
        "Thank you Iowa and New Hampshire, what a night, we will be back very soon",
        "Make America Great Again, vote on Tuesday for jobs and for strong borders",
        "Thank you for your support, everybody in New Hampshire, see you soon",
        "The economy is doing great and the stock market is up again today",
        "",
        "https://t.co/only-a-link",
    ],
)
def test_it_does_not_flag_texts_that_only_share_common_phrases(index: Index, text: str) -> None:
    assert one(index, text).verdict == "ok"


def test_an_original_text_still_names_its_closest_training_text(index: Index) -> None:
    v = one(index, "I am in Ohio today with great people who love jobs")
    assert v.verdict == "ok" and v.reason == ""
    assert v.closest_id == 108 and 0 < v.score < 80


def test_it_checks_a_batch_in_order(index: Index) -> None:
    verdicts = check(index, "Thank you!", "A brand new tweet about the weather in Scotland today", "Make America Great Again!")
    assert [v.verdict for v in verdicts] == ["copy", "ok", "copy"]


def test_thresholds_are_applied_at_lookup_time(index: Index) -> None:
    text = "Jobs are coming home to Ohio faster than anybody thought possible"
    strict = index_check(index=index, texts=[text], th=Thresholds(edit_ratio=95))[0]
    assert strict.verdict == "ok"


def test_word_offsets_follow_the_raw_text_through_entities_and_unicode() -> None:
    text = "Caf\u0065\u0301 &amp; THE ﬁnest @joe https://x.co/y — Ünïcode!"
    words = words_with_offsets(text)
    assert [w.text for w in words] == normalise(text).split()
    assert [text[w.start : w.end] for w in words] == ["Cafe\u0301", "THE", "ﬁnest", "Ünïcode"]


def test_segments_merge_overlapping_ranges_and_keep_the_text() -> None:
    parts = segments("abcdefghij", [(2, 4), (3, 6), (8, 20)])
    assert [(p.text, p.marked) for p in parts] == [("ab", False), ("cdef", True), ("gh", False), ("ij", True)]


def test_the_covering_probes_leave_no_window_without_a_probe() -> None:
    import random

    from corpora.nearcopy.matching import _cover

    rng = random.Random(3)
    for _ in range(300):
        window = rng.randint(2, 7)
        df = [rng.choice([0, 1, 5, 50, 5000]) for _ in range(rng.randint(0, 40))]
        chosen = set(_cover(df, window))
        for start in range(len(df) - window + 1):
            assert chosen & set(range(start, start + window)), (df, window, chosen)
        # And it is the cheapest such set (checked exhaustively on short texts).
        if window <= len(df) <= 12:
            best = min(
                sum(df[i] for i in range(len(df)) if mask >> i & 1)
                for mask in range(1 << len(df))
                if all(mask >> s & ((1 << window) - 1) for s in range(len(df) - window + 1))
            )
            assert sum(df[i] for i in chosen) == best


def test_a_long_run_of_common_bigrams_is_still_found(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(9)]
    texts = [(1, "start " + " ".join(words) + " end")]
    # Every bigram of the run is common on its own, in texts that share no longer run with it.
    for k in range(8):
        for j in range(300):
            texts.append((len(texts) + 1, f"pad{j} {words[k]} {words[k + 1]} tail{j} more{j}"))
    index = index_write(texts=texts, directory=tmp_path / "idx")
    text = "completely different opening " + " ".join(words) + " and another ending here"
    v = index_check(index=index, texts=[text], th=Thresholds())[0]
    assert (v.verdict, v.reason, v.closest_id) == ("near", "copied span", 1)
    assert marked(text, v) == [" ".join(words)]
