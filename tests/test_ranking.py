"""The ranker: it learns what a bot's curators keep, orders that bot's queue best first with a random share,
and never orders another bot's queue."""

import random

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from sklearn.linear_model import LogisticRegression

from corpora.models import Corpus
from curator import claims, decisions
from curator.models import Candidate, Decision, QueuePreference, RankerVersion, RankingState
from curator.ranking import services as ranking
from curator.ranking.features import NUMBERS_WEIGHT, Item, matrix
from curator.ranking.model import Ranker, ranker_fit
from curator.ranking.signals import distinct_n, repetition
from generation.models import Checkpoint, GenerationBatch
from tests.support.queue import claims_at_once, make_candidate
from tests.support.workers import wait_for

CATS = ["cat", "kitten", "whiskers", "purr", "meow", "tabby"]
DOGS = ["dog", "puppy", "bark", "leash", "fetch", "kennel"]
FILLER = ["today", "the garden", "this morning", "again", "at home", "in the rain", "so much", "forever"]


def kind_text(kind: list[str], i: int) -> str:
    rng = random.Random(i)
    return f"{rng.choice(kind).capitalize()} {rng.choice(FILLER)} and {rng.choice(kind)} {rng.choice(FILLER)} #{i}"


def bot(name: str) -> GenerationBatch:
    corpus = Corpus.objects.create(name=name, format=Corpus.Format.LINES)
    checkpoint = Checkpoint.objects.create(name=f"{name}-markov", kind=Checkpoint.Kind.MARKOV, corpus=corpus)
    return GenerationBatch.objects.create(checkpoint=checkpoint, corpus=corpus, backend=GenerationBatch.Backend.MARKOV, n_candidates=10)


def planted_decisions(batch: GenerationBatch, by: User, n: int = 200) -> None:
    """Curators who always approve cat texts and reject dog texts."""
    for i in range(n):
        cat = i % 2 == 0
        c = make_candidate(kind_text(CATS if cat else DOGS, i), batch=batch)
        decide = decisions.candidate_approve if cat else decisions.candidate_reject
        decide(candidate_id=c.pk, version=c.version, by=by)


def test_repetition_finds_loops_and_distinct_n_counts_new_ngrams() -> None:
    assert repetition("the wall is great the wall is great the wall is great the wall is great") > 0.6
    assert repetition("A fine day to build something new with friends") == 0.0
    assert distinct_n("great great great great", 1) == 0.25
    assert distinct_n("one two three", 2) == 1.0


def test_a_model_stored_before_the_numbers_weight_existed_is_scored_as_it_was_trained() -> None:
    items = [Item(text=kind_text(CATS if i % 2 else DOGS, i)) for i in range(40)]
    labels = [i % 2 == 1 for i in range(40)]
    old = LogisticRegression(solver="liblinear").fit(matrix(items, weight=1.0), labels)
    stored = Ranker(model=old)
    del stored.__dict__["weight"]  # what unpickling a model written before the field existed gives
    loaded = Ranker.loads(stored.dumps())
    assert loaded.weight == 1.0
    assert loaded.predict(items) == pytest.approx(old.predict_proba(matrix(items, weight=1.0))[:, 1])
    assert ranker_fit(items=items, labels=labels).weight == NUMBERS_WEIGHT < 1.0


@pytest.mark.django_db
def test_the_ranker_learns_a_planted_preference_and_best_first_shows_that_kind_first(curator: User, curator2: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RANKING_RANDOM_SHARE = 0
    batch = bot("cats")
    planted_decisions(batch, curator2)
    # After the warm-up: new candidates, the dog texts older than the cat texts.
    dogs = [make_candidate(kind_text(DOGS, 1000 + i), batch=batch) for i in range(10)]
    cats = [make_candidate(kind_text(CATS, 2000 + i), batch=batch) for i in range(10)]
    version = ranking.ranker_train_bot(corpus_id=batch.corpus_id)
    assert version is not None and version.decisions == 200 and version.approved == 100
    assert version.auc is not None and version.auc > 0.9
    assert version.scored == 20
    held = claims.queue_claim(user=curator)
    assert set(held) <= {c.pk for c in cats}, "best first must show the kind the curators keep first"
    assert len(held) == 5
    # Oldest first stays a choice: the same queue then starts with the older dog texts.
    claims.preference_set(user=curator, order=QueuePreference.Order.OLDEST)
    assert set(claims.queue_claim(user=curator)) <= {c.pk for c in dogs}


@pytest.mark.django_db
def test_no_ranker_before_enough_decisions_and_one_kind_teaches_nothing(curator: User, settings) -> None:  # type: ignore[no-untyped-def]
    batch = bot("few")
    planted_decisions(batch, curator, n=40)
    assert ranking.ranker_train_bot(corpus_id=batch.corpus_id) is None
    settings.RANKING_MIN_DECISIONS = 10
    assert ranking.ranker_train_bot(corpus_id=batch.corpus_id) is not None


@pytest.mark.django_db
def test_skips_and_undone_decisions_teach_nothing_and_an_edit_teaches_the_edited_text(curator: User) -> None:
    batch = bot("teach")
    skipped, undone, edited = (make_candidate(f"text {i}", batch=batch) for i in range(3))
    decisions.candidate_skip(candidate_id=skipped.pk, by=curator)
    decisions.candidate_reject(candidate_id=undone.pk, version=undone.version, by=curator)
    Decision.objects.filter(candidate=undone).update(undone=True)
    changed = decisions.candidate_edit(candidate_id=edited.pk, version=edited.version, by=curator, text="A better text entirely")
    decisions.candidate_approve(candidate_id=edited.pk, version=changed.version, by=curator)
    items, labels = ranking.examples(corpus_id=batch.corpus_id)
    assert [i.text for i in items] == ["A better text entirely"] and labels == [True]
    assert items[0].numbers.get("repetition") is None  # the model's signals were for the old text


@pytest.mark.django_db
def test_a_ranker_trained_on_one_bot_never_orders_another_bots_queue(curator: User, curator2: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RANKING_RANDOM_SHARE = 0
    cats = bot("cats")
    other = bot("other")
    planted_decisions(cats, curator2)
    # The other bot's pending candidates: the newest are cat texts the cats ranker would put first.
    theirs = [make_candidate(kind_text(DOGS, 3000 + i), batch=other) for i in range(6)]
    theirs += [make_candidate(kind_text(CATS, 4000 + i), batch=other) for i in range(6)]
    assert ranking.ranker_train_bot(corpus_id=cats.corpus_id) is not None
    assert not Candidate.objects.filter(batch=other, keep_probability__isnull=False).exists()
    assert ranking.items_score(corpus_id=other.corpus_id, items=[]) is None
    claims.preference_set(user=curator, order=QueuePreference.Order.BEST, corpus_id=other.corpus_id)
    assert claims.queue_claim(user=curator) == [c.pk for c in theirs[:5]], "the other bot's queue stays oldest first"


@pytest.mark.django_db
def test_the_random_share_is_served_and_marked(curator: User, curator_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    batch = bot("ranked")
    rows = [make_candidate(f"Candidate text number {i}", batch=batch, keep_probability=i / 100) for i in range(100)]
    random.seed(7)
    settings.RANKING_RANDOM_SHARE = 1.0
    held = Candidate.objects.filter(pk__in=claims.queue_claim(user=curator))
    assert held.count() == 5 and all(c.picked_at_random for c in held)
    top5 = {c.pk for c in rows[-5:]}
    assert {c.pk for c in held} != top5, "random cards are not the best ones"
    page = curator_client.get(reverse("curator:queue")).content.decode()
    assert 'class="badge random"' in page
    # Deciding records it: the stats tell the random share's approval rate apart.
    card = held.order_by("-keep_probability").first()
    assert card is not None
    decisions.candidate_reject(candidate_id=card.pk, version=card.version, by=curator)
    decision = Decision.objects.get(candidate=card, action="reject")
    assert decision.data["random"] is True and decision.data["probability"] == card.keep_probability
    # With no random share, best first takes the top of the ranking, unmarked.
    settings.RANKING_RANDOM_SHARE = 0
    claims.claims_release(user=curator)
    best = Candidate.objects.filter(pk__in=claims.queue_claim(user=curator))
    assert {c.pk for c in best} == top5 and not any(c.picked_at_random for c in best)


@pytest.mark.django_db(transaction=True)
def test_two_curators_never_hold_the_same_card_in_best_first_order(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RANKING_RANDOM_SHARE = 0.2
    batch = bot("race")
    for i in range(37):
        make_candidate(f"Race text {i}", batch=batch, keep_probability=random.random())
    users = [User.objects.create_user(f"c{i}") for i in range(10)]
    results = claims_at_once(users)
    claimed = [pk for ids in results.values() for pk in ids]
    assert len(claimed) == len(set(claimed)), "a candidate was handed to two curators"
    assert len(claimed) == 37
    in_db = dict(Candidate.objects.values_list("id", "claimed_by_id"))
    for user_pk, ids in results.items():
        assert all(in_db[pk] == user_pk for pk in ids)


@pytest.mark.django_db
def test_every_retrain_every_decisions_enqueue_one_retrain(curator: User, settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.RANKING_RETRAIN_EVERY = 3
    batch = bot("count")
    with django_capture_on_commit_callbacks() as callbacks:
        for i in range(7):
            c = make_candidate(f"count {i}", batch=batch)
            decisions.candidate_reject(candidate_id=c.pk, version=c.version, by=curator)
    assert len(callbacks) == 2
    assert RankingState.objects.get(corpus_id=batch.corpus_id).new_decisions == 1
    assert RankerVersion.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retrains_after_every_n_decisions_and_scores_the_pending_queue(worker) -> None:  # type: ignore[no-untyped-def]
    """Defaults: retrain every 50 decisions, a ranker from 200 on; the 200th decision's retrain trains and scores."""
    curator = User.objects.create_user("carl")
    batch = bot("worked")
    pending = make_candidate(kind_text(CATS, 5000), batch=batch)
    planted_decisions(batch, curator)
    version = wait_for(lambda: RankerVersion.objects.filter(corpus_id=batch.corpus_id).first(), timeout=90, message="the worker's retrain")
    assert version.decisions == 200 and version.auc is not None
    pending.refresh_from_db()
    assert pending.ranked_by_id == version.pk and pending.keep_probability is not None and pending.keep_probability > 0.5


def test_beat_retrains_the_rankers_with_new_decisions(settings) -> None:  # type: ignore[no-untyped-def]
    entry = settings.CELERY_BEAT_SCHEDULE["rankers-train"]
    assert entry["task"] == "curator.ranking.tasks.rankers_train"


@pytest.mark.django_db
def test_beat_trains_only_bots_with_decisions_newer_than_their_ranker(curator: User) -> None:
    from curator.ranking.tasks import rankers_train

    batch = bot("beat")
    planted_decisions(batch, curator)
    assert ranking.bots_due() == [batch.corpus_id]
    assert rankers_train() == 1
    assert ranking.bots_due() == []


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.django_db
def test_stats_show_each_version_with_its_auc_and_the_calibration(curator: User, curator_client: Client, htmx: bool) -> None:
    batch = bot("stats")
    planted_decisions(batch, curator)
    version = ranking.ranker_train_bot(corpus_id=batch.corpus_id)
    assert version is not None and version.auc is not None
    card = make_candidate("A cat to decide", batch=batch, keep_probability=0.95, picked_at_random=True)
    decisions.candidate_approve(candidate_id=card.pk, version=card.version, by=curator)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    page = curator_client.get(reverse("curator:stats"), **headers).content.decode()
    assert "Rankers" in page and f"{version.auc:.3f}" in page and "<td>stats</td>" in page
    assert "<tr><td>90 to 100%</td><td>1</td><td>1</td><td>100%</td></tr>" in page
    assert "<td>0 / 1</td><td>0 / 1</td><td>— / 100%</td>" in page
