from core.tweets import fits, normalise, text_hash, weighted_length


def test_weighted_length_follows_twitter_text() -> None:
    assert weighted_length("hello") == 5
    assert weighted_length("see https://example.com/a/very/long/path/indeed") == 4 + 23
    assert weighted_length("日本") == 4
    assert not fits("x" * 281) and fits("x" * 280) and not fits("")


def test_normalise_folds_case_urls_mentions_punctuation_and_entities() -> None:
    assert normalise("Great NEWS, @jack!  https://t.co/x &amp; more") == "great news more"
    assert text_hash("Hello, world!") == text_hash("hello world")
    assert text_hash("hello world") != text_hash("hello there")
