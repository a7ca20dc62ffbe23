"""Which mentions get reply candidates: own posts, retweets, ignore lists, the hourly budget, once per mention."""

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from generation.models import Checkpoint, GenerationBatch
from posting import mentions
from posting.models import Mention
from tests.support.mentions import dry_account, remote

pytestmark = pytest.mark.django_db


def test_a_mention_gets_a_batch_prompted_by_its_text_without_the_leading_handles(checkpoint: Checkpoint) -> None:
    account = dry_account(reply_candidates=3)
    mention = mentions.mention_store(account=account, remote=remote("@thebot @other is the crowd big tonight?"))
    assert mention is not None and mention.state == Mention.State.GENERATING and mention.reason == ""
    batch = GenerationBatch.objects.get(pk=mention.batch_id)
    assert batch.prefix == "is the crowd big tonight?"
    assert (batch.checkpoint, batch.n_candidates, batch.backend) == (checkpoint, 3, GenerationBatch.Backend.GPT2)


def test_a_mention_that_is_only_handles_is_its_own_prompt(checkpoint: Checkpoint) -> None:
    assert mentions.prompt_for("@thebot") == "@thebot"


def test_it_never_answers_the_accounts_own_post(checkpoint: Checkpoint) -> None:
    account = dry_account()
    by_id = mentions.mention_store(account=account, remote=remote("@thebot note to self", author="someone", author_id="42"))
    by_name = mentions.mention_store(account=account, remote=remote("@thebot again", author="TheBot", author_id="99"))
    for m in (by_id, by_name):
        assert m is not None and m.state == Mention.State.SKIPPED and m.reason == "It is the account's own post." and m.batch_id is None


def test_it_never_answers_a_retweet(checkpoint: Checkpoint) -> None:
    account = dry_account()
    referenced = mentions.mention_store(account=account, remote=remote("@thebot hi", referenced=[{"type": "retweeted", "id": "5"}]))
    rt_text = mentions.mention_store(account=account, remote=remote("RT @thebot: hi"))
    for m in (referenced, rt_text):
        assert m is not None and m.state == Mention.State.SKIPPED and m.reason == "It is a retweet."
    replied = mentions.mention_store(account=account, remote=remote("@thebot hi", referenced=[{"type": "replied_to", "id": "5"}]))
    assert replied is not None and replied.state == Mention.State.GENERATING


def test_it_never_answers_a_user_on_the_ignore_list(checkpoint: Checkpoint) -> None:
    account = dry_account(ignore_users="@Spammer, troll\nother_one")
    for author in ("spammer", "TROLL", "other_one"):
        m = mentions.mention_store(account=account, remote=remote(author=author))
        assert m is not None and m.state == Mention.State.SKIPPED and m.reason == f"@{author} is on the account's ignore list."
    fine = mentions.mention_store(account=account, remote=remote(author="trolley"))
    assert fine is not None and fine.state == Mention.State.GENERATING


def test_it_never_answers_a_mention_with_an_ignored_word_or_phrase(checkpoint: Checkpoint) -> None:
    account = dry_account(ignore_words="Crypto\nfree money\n")
    for text in ("@thebot buy CRYPTO now", "@thebot get free money!"):
        m = mentions.mention_store(account=account, remote=remote(text))
        assert m is not None and m.state == Mention.State.SKIPPED and m.reason.startswith("It contains an ignored word")
    # Whole words only: "cryptography" is not "crypto".
    fine = mentions.mention_store(account=account, remote=remote("@thebot cryptography is hard"))
    assert fine is not None and fine.state == Mention.State.GENERATING


def test_a_mention_is_stored_once(checkpoint: Checkpoint) -> None:
    account = dry_account()
    seen = remote()
    assert mentions.mention_store(account=account, remote=seen) is not None
    assert mentions.mention_store(account=account, remote=seen) is None
    assert Mention.objects.count() == 1 and GenerationBatch.objects.count() == 1


def test_at_most_replies_per_hour_mentions_an_hour_get_candidates(checkpoint: Checkpoint) -> None:
    account = dry_account(replies_per_hour=2)
    stored = [mentions.mention_store(account=account, remote=remote(f"@thebot question {i}")) for i in range(3)]
    assert [m.state for m in stored if m] == [Mention.State.GENERATING, Mention.State.GENERATING, Mention.State.SKIPPED]
    assert stored[2] is not None and stored[2].reason == "Over the account's limit of 2 replies an hour."
    assert GenerationBatch.objects.count() == 2


def test_without_any_model_the_mention_is_kept_and_says_why() -> None:
    account = dry_account()
    m = mentions.mention_store(account=account, remote=remote())
    assert m is not None and m.state == Mention.State.SKIPPED and "no model to write replies with" in m.reason


def test_the_accounts_chosen_reply_model_wins_over_the_newest(checkpoint: Checkpoint) -> None:
    chosen = Checkpoint.objects.create(name="older", kind=Checkpoint.Kind.BASE, path="models/older")
    Checkpoint.objects.create(name="newest", kind=Checkpoint.Kind.BASE, path="models/newest")
    account = dry_account(reply_checkpoint=chosen)
    m = mentions.mention_store(account=account, remote=remote())
    assert m is not None and m.batch is not None and m.batch.checkpoint == chosen


def test_a_simulated_mention_on_the_markov_backend_gets_checked_reply_candidates_at_once(settings: SettingsWrapper, tmp_path: Path) -> None:
    from curator.models import Candidate
    from tests.support.mentions import markov_checkpoint

    settings.MODELS_DIR = tmp_path
    markov_checkpoint()
    account = dry_account(reply_candidates=5)
    m = mentions.mention_simulate(account=account, text="@thebot what about the jobs numbers?", author="@fan")
    assert m.simulated and m.author_username == "fan" and m.state == Mention.State.READY, m.reason
    rows = list(Candidate.objects.filter(mention=m))
    assert m.batch is not None and rows and len(rows) == m.batch.kept_count
    for row in rows:
        assert row.batch_id == m.batch_id and row.status == Candidate.Status.PENDING
        assert "jobs numbers?" not in row.text  # the prompt is not part of the reply
        assert 0 < row.weighted_length <= 280 and row.nearcopy_verdict in ("ok", "near", "copy", "unchecked")
        # The chain cannot be conditioned: each reply is grown from one of the mention's words instead.
        assert {"jobs", "numbers"} & set(row.text.lower().replace("!", " ").replace(".", " ").split()), row.text


def test_replies_come_from_a_model_trained_on_a_corpus_before_a_newer_base_model(checkpoint: Checkpoint) -> None:
    trained = Checkpoint.objects.create(name="markov-sample", kind=Checkpoint.Kind.MARKOV, path="markov/markov-sample.json")
    newer_base = Checkpoint.objects.create(name="tiny-demo", kind=Checkpoint.Kind.BASE, path="models/tiny-demo")
    account = dry_account()
    assert newer_base.created_at >= trained.created_at
    assert mentions.reply_checkpoint(account) == trained
    account.reply_checkpoint = newer_base
    assert mentions.reply_checkpoint(account) == newer_base
