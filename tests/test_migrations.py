"""A database made before the re-layout migrates without losing a row.

Up to 413d9b6, Corpus and TrainingText lived in the generation app and Heartbeat in curator. These tests
take the test database back to the migration leaves of that commit, fill every table through the
historical models, migrate forward and read every row back through today's models.
"""

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import Heartbeat
from corpora.models import Corpus, TrainingText
from curator.models import Candidate, Decision
from generation.models import Checkpoint, FinetuneRun, GenerationBatch
from posting.models import Account, Attempt, DryRunTweet, Mention, Post, Slot

# The leaves at 413d9b6, the commit before the re-layout; core and corpora had no migrations yet.
OLD_LEAVES: list[tuple[str, str | None]] = [
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("sessions", "0001_initial"),
    ("generation", "0002_corpora_import_report"),
    ("curator", "0004_mentions_candidate_mention"),
    ("posting", "0003_mentions_replies"),
    ("core", None),
    ("corpora", None),
    ("axes", None),  # django-axes (login throttling) came later
]
# What moved: (old app label, new app label, model).
MOVED = [("generation", "corpora", "corpus"), ("generation", "corpora", "trainingtext"), ("curator", "core", "heartbeat")]
# Tables whose rows a migration is expected to change; both are checked on their own below.
CHANGING = {"django_migrations", "django_content_type"}

SEEN_AT = timezone.now().replace(microsecond=0) - timedelta(minutes=3)


def migrate(targets: list[tuple[str, str | None]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    # Content types are cached by id and by app label; both just changed under the cache.
    ContentType.objects.clear_cache()


def table_rows(columns: dict[str, list[str]] | None = None) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row of every table (or of the given tables, read through the given columns), in a stable order."""
    rows = {}
    with connection.cursor() as cursor:
        for table in columns or sorted(connection.introspection.table_names(cursor)):
            names = "*" if columns is None else ", ".join(connection.ops.quote_name(c) for c in columns[table])
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)}")
            rows[table] = ([c[0] for c in cursor.description], sorted(cursor.fetchall(), key=repr))
    return rows


def content_types() -> dict[int, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, app_label, model FROM django_content_type")
        return {pk: (app_label, model) for pk, app_label, model in cursor.fetchall()}


@pytest.fixture
def old_apps(transactional_db: None) -> Iterator[Apps]:
    """The database schema and the models as they were at 413d9b6; the latest schema again afterwards."""
    migrate(OLD_LEAVES)
    try:
        executor = MigrationExecutor(connection)
        yield executor.loader.project_state([node for node in OLD_LEAVES if node[1]]).apps  # type: ignore[misc]
    finally:
        migrate()


def fill_every_table(apps: Apps) -> dict[str, int]:
    """One row or more in every table, through the historical models, with their foreign keys; returns the ids."""

    def model(label: str) -> Any:
        return apps.get_model(label)

    def permission(app_label: str, codename: str) -> Any:
        return model("auth.Permission").objects.get(content_type__app_label=app_label, codename=codename)

    # What the old code's post_migrate made sure of, whatever this test database went through before.
    for app_label in ("generation", "curator"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    now = timezone.now()
    user = model("auth.User").objects.create(username="olivia", password="!", email="olivia@example.com")
    owner, _ = model("auth.Group").objects.get_or_create(name="owner")
    # As curator's 0002_groups granted them at the time.
    owner.permissions.add(*model("auth.Permission").objects.filter(content_type__app_label="generation"))
    user.groups.add(owner)
    user.user_permissions.add(permission("curator", "view_heartbeat"))

    corpus = model("generation.Corpus").objects.create(
        name="tweets",
        source_name="tweets.csv",
        format="csv",
        options={"drop_retweets": True},
        counts={"retweets": 1},
        read_count=3,
        kept_count=2,
        preview={"kept": ["Make it great"]},
        source_bytes=1234,
        import_seconds=0.5,
        texts_version=2,
        index_built_version=2,
        index_built_at=now,
        created_by=user,
    )
    training = model("generation.TrainingText").objects.create(
        corpus=corpus, position=0, text="Make it great", original="Make it great https://t.co/x", external_id="101", posted_at=now
    )
    model("generation.TrainingText").objects.create(corpus=corpus, position=1, text="Sad!", original="Sad!")
    checkpoint = model("generation.Checkpoint").objects.create(name="markov-1", kind="markov", path="markov/1.json", corpus=corpus)
    run = model("generation.FinetuneRun").objects.create(
        corpus=corpus, checkpoint=checkpoint, base_model="124M", run_name="run-1", steps=10, status="succeeded", created_by=user
    )
    batch = model("generation.GenerationBatch").objects.create(
        checkpoint=checkpoint, corpus=corpus, backend="markov", n_candidates=5, kept_count=1, created_by=user
    )
    account = model("posting.Account").objects.create(name="bot", handle="thebot", reply_checkpoint=checkpoint, replies_enabled=True)
    slot = model("posting.Slot").objects.create(account=account, time_of_day=time(9, 30), weekdays=[1, 3, 5])
    mention = model("posting.Mention").objects.create(
        account=account, batch=batch, remote_id="1900", author_id="7", author_username="alice", text="@thebot hi", state="ready"
    )
    candidate = model("curator.Candidate").objects.create(
        batch=batch,
        corpus=corpus,
        mention=mention,
        text="Make it great again",
        generated_text="Make it great again!",
        text_hash="h" * 64,
        weighted_length=19,
        status="approved",
        nearcopy_verdict="near",
        nearcopy_score=91.5,
        nearcopy_closest=training,
        nearcopy_spans=[{"training_id": training.pk}],
        decided_by=user,
        decided_at=now,
    )
    decision = model("curator.Decision").objects.create(
        candidate=candidate, user=user, action="approve", before_status="pending", after_status="approved"
    )
    post = model("posting.Post").objects.create(
        account=account, candidate=candidate, text=candidate.text, scheduled_at=now, state="sent", remote_id="2000", created_by=user
    )
    attempt = model("posting.Attempt").objects.create(post=post, outcome="sent", detail="200 OK")
    dryrun = model("posting.DryRunTweet").objects.create(account=account, text="Make it great again", in_reply_to_id="1900")
    heartbeat = model("curator.Heartbeat").objects.create(name="default@box", queues="default", seen_at=SEEN_AT)
    corpus_type = model("contenttypes.ContentType").objects.get(app_label="generation", model="corpus")
    log = model("admin.LogEntry").objects.create(
        user=user, content_type=corpus_type, object_id=str(corpus.pk), object_repr="tweets", action_flag=1, change_message="[]"
    )
    model("sessions.Session").objects.create(session_key="k" * 32, session_data="e30:", expire_date=now + timedelta(days=1))
    return {
        "user": user.pk,
        "corpus": corpus.pk,
        "training": training.pk,
        "checkpoint": checkpoint.pk,
        "run": run.pk,
        "batch": batch.pk,
        "account": account.pk,
        "slot": slot.pk,
        "mention": mention.pk,
        "candidate": candidate.pk,
        "decision": decision.pk,
        "post": post.pk,
        "attempt": attempt.pk,
        "dryrun": dryrun.pk,
        "heartbeat": heartbeat.pk,
        "log": log.pk,
    }


def test_every_row_survives_the_move_of_the_models(old_apps: Apps) -> None:
    fill_every_table(old_apps)
    before = table_rows()
    assert [table for table, (_columns, rows) in before.items() if not rows] == [], "every table of the old schema holds a row"
    types_before = content_types()

    migrate()

    with connection.cursor() as cursor:
        tables_after = set(connection.introspection.table_names(cursor))
    assert before.keys() - tables_after == set(), "no table of the old schema was dropped or renamed"
    # Later migrations may add columns; every old column keeps its values (a missing column fails the query).
    after = table_rows({table: columns for table, (columns, _rows) in before.items() if table not in CHANGING})
    for table, (_columns, rows) in after.items():
        assert rows == before[table][1], f"{table} changed"
    moved = {(old, model): new for old, new, model in MOVED}
    expected_types = {pk: (moved.get((app, model), app), model) for pk, (app, model) in types_before.items()}
    assert content_types() == expected_types, "only the moved models' content types changed app, keeping their ids"


def test_the_rows_read_back_through_the_new_models_with_their_relations(old_apps: Apps) -> None:
    ids = fill_every_table(old_apps)

    migrate()

    corpus = Corpus.objects.get(pk=ids["corpus"])
    assert (corpus.name, corpus.format, corpus.read_count, corpus.kept_count) == ("tweets", "csv", 3, 2)
    assert (corpus.counts, corpus.options, corpus.texts_version) == ({"retweets": 1}, {"drop_retweets": True}, 2)
    assert corpus.created_by_id == ids["user"]
    assert [t.text for t in corpus.texts.all()] == ["Make it great", "Sad!"]
    training = TrainingText.objects.get(pk=ids["training"])
    assert (training.corpus, training.original, training.external_id) == (corpus, "Make it great https://t.co/x", "101")

    checkpoint = Checkpoint.objects.get(pk=ids["checkpoint"])
    assert checkpoint.corpus == corpus
    assert list(corpus.checkpoints.all()) == [checkpoint]
    run = FinetuneRun.objects.get(pk=ids["run"])
    assert (run.corpus, run.checkpoint, run.run_name) == (corpus, checkpoint, "run-1")
    batch = GenerationBatch.objects.get(pk=ids["batch"])
    assert (batch.corpus, batch.checkpoint, batch.n_candidates) == (corpus, checkpoint, 5)

    candidate = Candidate.objects.get(pk=ids["candidate"])
    assert (candidate.corpus, candidate.batch, candidate.nearcopy_closest) == (corpus, batch, training)
    assert (candidate.text, candidate.status, candidate.nearcopy_score) == ("Make it great again", "approved", 91.5)
    assert list(corpus.candidates.all()) == [candidate]
    mention = Mention.objects.get(pk=ids["mention"])
    assert (candidate.mention, mention.batch, mention.author_username) == (mention, batch, "alice")
    decision = Decision.objects.get(pk=ids["decision"])
    assert (decision.candidate, decision.user_id, decision.action) == (candidate, ids["user"], "approve")

    account = Account.objects.get(pk=ids["account"])
    assert (account.reply_checkpoint, account.handle) == (checkpoint, "thebot")
    assert Slot.objects.get(pk=ids["slot"]).account == account
    assert Slot.objects.get(pk=ids["slot"]).weekdays == [1, 3, 5]
    post = Post.objects.get(pk=ids["post"])
    assert (post.candidate, post.account, post.remote_id) == (candidate, account, "2000")
    assert Attempt.objects.get(pk=ids["attempt"]).post == post
    assert DryRunTweet.objects.get(pk=ids["dryrun"]).account == account

    heartbeat = Heartbeat.objects.get(pk=ids["heartbeat"])
    assert (heartbeat.name, heartbeat.queues, heartbeat.seen_at) == ("default@box", "default", SEEN_AT)
    assert Session.objects.get(session_key="k" * 32).session_data == "e30:"


def test_the_content_types_and_permissions_follow_the_models(old_apps: Apps) -> None:
    ids = fill_every_table(old_apps)

    migrate()

    assert ContentType.objects.get_for_model(Corpus) == ContentType.objects.get(app_label="corpora", model="corpus")
    assert ContentType.objects.get_for_model(TrainingText).app_label == "corpora"
    assert ContentType.objects.get_for_model(Heartbeat).app_label == "core"
    assert not ContentType.objects.filter(app_label="generation", model__in=["corpus", "trainingtext"]).exists()
    assert not ContentType.objects.filter(app_label="curator", model="heartbeat").exists()

    owner = Group.objects.get(name="owner")
    assert owner.permissions.filter(content_type__app_label="corpora", codename="add_corpus").exists()
    user = User.objects.get(pk=ids["user"])
    assert user.has_perm("corpora.add_corpus")
    assert user.has_perm("core.view_heartbeat")
    # The admin's history of a corpus still opens that corpus.
    assert LogEntry.objects.get(pk=ids["log"]).get_edited_object() == Corpus.objects.get(pk=ids["corpus"])
