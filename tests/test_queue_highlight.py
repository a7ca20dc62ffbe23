"""The highlighting tag: escapes everything, wraps only the overlapping spans in <mark>."""

from django.template import Context, Template

from curator.templatetags.queue_tags import highlight


def test_it_wraps_spans_in_mark_and_escapes_the_rest() -> None:
    text = "<b>Big</b> news & more news"
    start = text.index("news")
    out = highlight(
        text, [{"candidate_start": start, "candidate_end": start + 4, "training_start": 0, "training_end": 4, "training_id": 1}]
    )
    assert out == "&lt;b&gt;Big&lt;/b&gt; <mark>news</mark> &amp; more news"


def test_it_escapes_markup_inside_a_span() -> None:
    text = "say <script>alert(1)</script> now"
    spans = [{"candidate_start": 4, "candidate_end": 29}]
    assert highlight(text, spans) == "say <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> now"


def test_it_merges_overlapping_spans_and_clamps_out_of_range_ones() -> None:
    spans = [
        {"candidate_start": 0, "candidate_end": 5},
        {"candidate_start": 3, "candidate_end": 8},
        {"candidate_start": 9, "candidate_end": 999},
    ]
    assert highlight("abcdefghijkl", spans) == "<mark>abcdefgh</mark>i<mark>jkl</mark>"


def test_it_ignores_malformed_spans() -> None:
    spans = [{"candidate_start": "x", "candidate_end": 3}, "junk", {"candidate_end": 2}, {"candidate_start": 5, "candidate_end": 2}]
    assert highlight("a<b", spans) == "a&lt;b"
    assert highlight("a<b", None) == "a&lt;b"


def test_the_training_side_uses_training_offsets_of_the_closest_text_only() -> None:
    spans = [
        {"candidate_start": 0, "candidate_end": 3, "training_start": 4, "training_end": 7, "training_id": 7},
        {"candidate_start": 0, "candidate_end": 3, "training_start": 0, "training_end": 3, "training_id": 8},
    ]
    assert highlight("the cat sat", spans, "training", 7) == "the <mark>cat</mark> sat"


def test_it_works_from_a_template_and_is_not_escaped_twice() -> None:
    template = Template('{% load queue_tags %}<p>{% highlight text spans "candidate" %}</p>')
    html = template.render(Context({"text": "Tom & Jerry", "spans": [{"candidate_start": 0, "candidate_end": 3}]}))
    assert html == "<p><mark>Tom</mark> &amp; Jerry</p>"
