"""Near-duplicate siblings: pending candidates of one bot that are near-identical to each other form a group.

A model that repeats itself fills the queue with the same tweet in a few variants; the card says "3 similar" and
Shift+R rejects the card with them (curator.decisions.queue_reject_siblings). Near-identical is the near-copy check's
own rules applied between candidates (corpora.nearcopy.near_identical). A group is a key on each member,
`Candidate.sibling_group`: the id of one of its candidates when it formed. Groups are found when a batch's candidates are inserted
(generation.batches.candidates_store): `siblings_find` before the insert's transaction (the slow part, reading
the bot's pending texts), `siblings_join` inside it (a few writes).
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from core.tweets import normalise
from corpora import nearcopy
from curator.models import Candidate

PENDING = Candidate.Status.PENDING
# How many of a card's similar candidates it lists (the count is exact).
SHOWN = 5


def compared_text(text: str, prefix: str) -> str:
    """What siblings are compared on: the text without the words the owner gave its batch to start with (every
    candidate of that batch starts with them, so they would make all of them alike)."""
    if not prefix:
        return text
    words = normalise(text).split()
    lead = normalise(prefix).split()
    return " ".join(words[len(lead) :]) if lead and words[: len(lead)] == lead else text


@dataclass
class Links:
    """Found before the insert: the pairs of near-identical candidates that involve a new one, each new candidate by
    its text hash (new rows have no id yet, and the insert may still drop a late duplicate)."""

    to_pending: list[tuple[str, int]] = field(default_factory=list)  # (new text hash, pending candidate id)
    to_new: list[tuple[str, str]] = field(default_factory=list)  # (new text hash, another new text hash)


def _pending_of(corpus_id: int) -> QuerySet[Candidate]:
    # Reply candidates are grouped by their mention already (claimed together, set aside when one is the reply).
    return Candidate.objects.filter(corpus_id=corpus_id, status=PENDING, mention__isnull=True)


def siblings_find(*, corpus_id: int | None, rows: list[Candidate], prefix: str) -> Links:
    """Which of the new (unsaved) candidates of one bot are near-identical to one of its pending candidates or to
    another new one. `prefix`: the batch's words at the start of each text ("" when it was only a prompt).

    One in-memory index of the bot's pending texts and the new ones, then a lookup of the new ones only: linear in
    the pending count (about 1.5 s to index 100k) and in the new texts, never pair by pair.
    """
    links = Links()
    new = [r for r in rows if r.mention_id is None]
    if corpus_id is None or not new:
        return links
    pending = list(_pending_of(corpus_id).values_list("pk", "text", "batch__prefix", "batch__prompt_only").iterator(chunk_size=5000))
    texts = [compared_text(text, "" if prompt_only else (lead or "")) for _pk, text, lead, prompt_only in pending]
    texts += [compared_text(r.text, prefix) for r in new]
    for row, found in zip(new, nearcopy.near_identical(texts=texts, new=len(new)), strict=True):
        for position in found:
            if position < len(pending):
                links.to_pending.append((row.text_hash, pending[position][0]))
            else:
                links.to_new.append((row.text_hash, new[position - len(pending)].text_hash))
    return links


def siblings_join(*, links: Links, rows: list[Candidate]) -> int:
    """Inside the insert's transaction, the rows saved: write the groups. Returns how many new rows joined one.

    1. Read the current group of each pending candidate linked to (one decided since is left out).
    2. Join the linked candidates into groups (union-find); two existing groups a new candidate links are merged.
    3. A group keeps the smallest key among the existing groups it joins, or else takes its first new row's id
       (never an existing row's id: an edited candidate leaves its group, and its id may still be that group's key).
       The new rows, the existing rows without a group and the rows of merged groups get that key.
    """
    saved = {r.text_hash: r for r in rows if r.pk is not None}
    targets = sorted({pk for _digest, pk in links.to_pending})
    node_of: dict[int, tuple[str, int]] = {}
    for i in range(0, len(targets), 500):  # SQLite limits the parameters of one query
        for pk, group in Candidate.objects.filter(pk__in=targets[i : i + 500], status=PENDING).values_list("pk", "sibling_group"):
            node_of[pk] = ("group", group) if group is not None else ("alone", pk)
    parent: dict[object, object] = {}

    def root(node: object) -> object:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for digest, pk in links.to_pending:
        if digest in saved and pk in node_of:
            parent[root(digest)] = root(node_of[pk])
    for digest, other in links.to_new:
        if digest in saved and other in saved:
            parent[root(digest)] = root(other)
    members: dict[object, list[object]] = {}
    for node in list(parent):
        members.setdefault(root(node), []).append(node)
    keys: list[tuple[int, int]] = []  # (key, id) of each row to write
    joined = 0
    for nodes in members.values():
        new = [saved[n] for n in nodes if isinstance(n, str)]
        groups = sorted(n[1] for n in nodes if isinstance(n, tuple) and n[0] == "group")
        key = groups[0] if groups else min(r.pk for r in new)
        for row in new:
            row.sibling_group = key
        joined += len(new)
        keys += [(key, r.pk) for r in new] + [(key, n[1]) for n in nodes if isinstance(n, tuple) and n[0] == "alone"]
        if len(groups) > 1:
            # Merged groups, decided members included (an undo brings them back into the merged group).
            Candidate.objects.filter(sibling_group__in=groups[1:]).update(sibling_group=key)
    with connection.cursor() as cursor:
        # One prepared statement, many rows: bulk_update's CASE spent ~0.5 s building expressions for 3,000 rows.
        cursor.executemany(f"UPDATE {Candidate._meta.db_table} SET sibling_group = %s WHERE id = %s", keys)
    return joined


def siblings_pending(*, candidate: Candidate) -> QuerySet[Candidate]:
    """The other pending candidates of this candidate's group (none when it has no group)."""
    if candidate.sibling_group is None:
        return Candidate.objects.none()
    return Candidate.objects.filter(sibling_group=candidate.sibling_group, status=PENDING).exclude(pk=candidate.pk)
