"""Issue 16, in a real browser: where a new operator was stuck or misled in the queue."""

import re
from typing import Any

import pytest

from corpora.models import TrainingText
from curator import claims, decisions
from curator.models import Candidate
from generation.models import Checkpoint
from tests.support.browser import card_id, log_in, make_curator, make_owner, press
from tests.support.queue import make_batch, make_candidate, make_candidates, make_near_copy
from tests.test_browser_queue import wait_for_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def feedback(page: Any) -> str:
    page.wait_for_selector("#queue-panel .feedback")
    return str(page.locator("#queue-panel .feedback").inner_text())


def test_a_stale_tab_acts_on_its_own_card_or_says_why_not(browser: Any, live_server: Any) -> None:
    """Point 1: e, r and a save from a tab that still shows #N act on #N or say why not, naming #N."""
    carl = make_curator("carl")
    cora = make_curator("cora", "curator-pass-456")
    first, second, *_rest = make_candidates(6, prefix="Stale tabs happen")
    tab_e = log_in(browser, live_server.url, "carl")
    context = tab_e.context
    tab_r = context.new_page()
    tab_r.goto(f"{live_server.url}/queue/")
    tab_save = context.new_page()
    tab_save.goto(f"{live_server.url}/queue/")
    for tab in (tab_e, tab_r, tab_save):
        assert card_id(tab) == first.pk
    press(tab_save, "e")
    tab_save.locator("#queue-panel textarea").wait_for()

    # Meanwhile carl skips #first in yet another tab, and cora approves it.
    decisions.candidate_skip(candidate_id=first.pk, by=carl)
    claims.queue_claim(user=cora)
    decisions.candidate_approve(candidate_id=first.pk, version=1, by=cora)

    # e: the editor does not open on the next card; the message names #first and who approved it.
    press(tab_e, "e")
    message = feedback(tab_e)
    assert f"#{first.pk}" in message and "cora approved this candidate" in message and "not opened for editing" in message
    assert tab_e.locator("#queue-panel textarea").count() == 0
    assert card_id(tab_e) != first.pk

    # r: refused, and the message quotes #first's text, since the card beside it is another one.
    press(tab_r, "r")
    message = feedback(tab_r)
    assert f"#{first.pk} \u201c{first.text}\u201d" in message and "cora approved this candidate" in message
    assert "nothing was saved" in message and "Here it is as it is now" not in message
    assert card_id(tab_r) != first.pk

    # Saving the editor opened before: nothing is saved, on #first or on any other card.
    tab_save.locator("#queue-panel textarea").fill("Words for the stale card")
    press(tab_save, "Control+Enter")
    message = feedback(tab_save)
    assert f"#{first.pk}" in message and "nothing was saved" in message
    assert not Candidate.objects.filter(text="Words for the stale card").exists()
    assert Candidate.objects.get(pk=second.pk).status == Candidate.Status.PENDING
    assert Candidate.objects.get(pk=first.pk).decided_by == cora


def _stitched(batch: Any) -> tuple[Candidate, TrainingText, TrainingText]:
    corpus = batch.corpus
    one = TrainingText.objects.create(corpus=corpus, position=100, text="the border wall is going up fast and strong", original="x")
    two = TrainingText.objects.create(corpus=corpus, position=101, text="jobs are coming back to ohio like never before", original="x")
    text = "The border wall is going up fast and jobs are coming back to Ohio like never"
    a_end = text.index(" and jobs")
    b_start = text.index("jobs")
    candidate = make_candidate(
        text,
        batch=batch,
        nearcopy_verdict=Candidate.Verdict.NEAR,
        nearcopy_reason="stitched",
        nearcopy_score=100.0,
        nearcopy_closest=one,
        nearcopy_spans=[
            {"candidate_start": 0, "candidate_end": a_end, "training_start": 0, "training_end": a_end, "training_id": one.pk},
            {
                "candidate_start": b_start,
                "candidate_end": len(text),
                "training_start": 0,
                "training_end": len(text) - b_start,
                "training_id": two.pk,
            },
        ],
    )
    return candidate, one, two


def test_near_copy_wording_is_one_vocabulary(browser: Any, live_server: Any) -> None:
    """Point 3: one meaning for the percentage, both sources of a stitch, keys that say why nothing happened,
    a saved copy that is not announced as good news, and "edited" only after an edit."""
    make_curator("carl")
    batch = make_batch()
    stitched, one, two = _stitched(batch)
    near = make_near_copy(batch=batch)
    original = make_candidate(
        "Completely new words about gardening in the rain",
        batch=batch,
        nearcopy_verdict=Candidate.Verdict.OK,
        nearcopy_score=80.0,
    )
    page = log_in(browser, live_server.url, "carl")

    # The stitched card shows both training tweets, and the percentage says what it measures.
    assert card_id(page) == stitched.pk
    quotes = page.locator(".qcard .closest").all_inner_texts()
    assert len(quotes) == 2 and one.text in quotes[0] and two.text in quotes[1]
    assert f"Stitched from training tweet #{one.pk}" in quotes[0] and f"#{two.pk}" in quotes[1]
    assert page.locator(".qcard .similarity").inner_text() == "94% copied"  # 15 of 16 words: all but "and"
    # The claims list uses the same words as the card: "Near copy", never the raw "near".
    badges = page.locator(".claims .badge").all_inner_texts()
    assert badges and all(b in ("Near copy", "Copy") for b in badges)

    # s on a near copy says why nothing happened.
    press(page, "s")
    message = feedback(page)
    assert f"#{stitched.pk}" in message and "override" in message
    assert Candidate.objects.get(pk=stitched.pk).status == Candidate.Status.PENDING

    press(page, "j")
    wait_for_card(page, near.pk)
    assert page.locator(".qcard .similarity").inner_text() == "88% copied"
    press(page, "j")
    wait_for_card(page, original.pk)
    # An original scored by the old edit similarity (80) shares no run: 0% copied, one meaning.
    assert page.locator(".qcard .similarity").inner_text() == "0% copied"
    assert page.locator(".qcard .badge").first.inner_text() == "Original"

    # Shift+A on an original: nothing happens, and the page says why.
    press(page, "Shift+A")
    hint = page.locator("#queue-panel .key-hint:not([hidden])")
    hint.wait_for(state="visible")
    assert "not one" in hint.inner_text() and f"#{original.pk}" in hint.inner_text()
    assert Candidate.objects.get(pk=original.pk).status == Candidate.Status.PENDING

    # r then u: the card is back, not "edited".
    press(page, "r")
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{original.pk}"])')
    press(page, "u")
    wait_for_card(page, original.pk)
    assert page.locator(".qcard-meta .edited-tag").count() == 0

    # Edit it into a copy of a training tweet: saved, but the message warns instead of cheering.
    press(page, "e")
    page.locator("#queue-panel textarea").fill(one.text)
    press(page, "Control+Enter")
    page.wait_for_selector("#queue-panel .feedback.warning")
    message = feedback(page)
    assert "Press a to approve" not in message and "copy" in message and "Shift+A" in message
    assert page.locator("#queue-panel .feedback.success").count() == 0
    assert page.locator(".qcard-meta .edited-tag").count() == 1
    assert Candidate.objects.get(pk=original.pk).nearcopy_verdict == Candidate.Verdict.COPY


def test_the_pending_count_is_fresh_after_each_decision(browser: Any, live_server: Any) -> None:
    """Point 4: exact below the cap, and updated by every decision (it used to be cached per process)."""
    make_curator("carl")
    make_candidates(12)
    page = log_in(browser, live_server.url, "carl")
    assert page.locator(".pending-count").inner_text() == "12 pending"
    for left in (11, 10, 9):
        before = card_id(page)
        press(page, "r")
        page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{before}"])')
        assert page.locator(".pending-count").inner_text() == f"{left} pending"
    # A decision made elsewhere shows on the next card too.
    other = Candidate.objects.filter(status="pending").exclude(claimed_by__username="carl").first()
    assert other is not None
    Candidate.objects.filter(pk=other.pk).update(status=Candidate.Status.REJECTED)
    before = card_id(page)
    press(page, "r")
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{before}"])')
    assert re.fullmatch(r"7 pending", page.locator(".pending-count").inner_text())


def _count(page: Any) -> str:
    page.wait_for_selector(".qcard-length:not([data-counting])")
    return str(page.locator("[data-length-count]").inner_text())


@pytest.mark.parametrize(
    "text",
    [
        "東京で会いましょう。今日はとても良い天気ですね",  # CJK: 2 each
        "Great news 👍🏽 for everyone 🎉",  # emoji with a skin tone modifier
        "The family 👨‍👩‍👧‍👦 and the flag 🏳️‍🌈 are one emoji each",  # ZWJ sequences
        "日本" * 70 + "!",  # 281: over the limit
    ],
)
def test_the_length_counter_counts_by_the_servers_rules_while_typing(browser: Any, live_server: Any, text: str) -> None:
    """Point 2: the counter beside the editor shows X's weighted length of what is in the box, as typed."""
    from core import tweets

    make_curator("carl")
    candidate = make_candidate("Short")
    page = log_in(browser, live_server.url, "carl")
    press(page, "e")
    area = page.locator("#queue-panel textarea")
    area.wait_for()
    area.fill("")
    page.keyboard.type(text[:5])  # typed key by key, then the rest at once (as a paste)
    page.keyboard.insert_text(text[5:])
    expected = tweets.weighted_length(text)
    page.wait_for_selector(f'[data-length-count]:text-is("{expected}/280")')
    assert _count(page) == f"{expected}/280"
    over = expected > 280
    assert page.locator(".qcard-length.over").count() == (1 if over else 0)
    press(page, "Control+Enter")
    if over:
        # Refused: the text stays in the box, and the counter agrees with the server's message.
        message = feedback(page)
        assert f"{expected} of 280" in message
        assert page.locator("[data-length-count]").inner_text() == f"{expected}/280"
        assert Candidate.objects.get(pk=candidate.pk).text == "Short"
    else:
        page.wait_for_selector('#queue-panel[data-version="2"]')
        assert page.locator("[data-length-count]").inner_text() == f"{expected}/280"


def test_the_run_name_follows_the_corpus_picked(browser: Any, live_server: Any) -> None:
    """Point 5: picking another corpus changes the suggested run (and chain) name, unless one was typed."""
    from tests.support.generation import corpus_make

    proverbs = corpus_make("proverbs", n=5, seed=2)
    corpus_make("trump", n=5)  # the newest: first in the list
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.goto(f"{live_server.url}/generation/")
    assert page.locator("#finetune-form [name=run_name]").input_value() == "trump-1"
    page.locator("#finetune-form select[name=corpus]").select_option(str(proverbs.pk))
    assert page.locator("#finetune-form [name=run_name]").input_value() == "proverbs-1"
    page.locator("#markov-form select[name=corpus]").select_option(str(proverbs.pk))
    assert page.locator("#markov-form [name=name]").input_value() == "markov-proverbs-1"
    # A name the owner typed stays.
    page.locator("#finetune-form [name=run_name]").fill("my-own-name")
    page.locator("#finetune-form select[name=corpus]").select_option(label="trump")
    assert page.locator("#finetune-form [name=run_name]").input_value() == "my-own-name"


def test_for_account_names_the_account_of_the_checkpoint_picked(browser: Any, live_server: Any) -> None:
    """The batch form's default account ("The checkpoint's account") says which one, and follows the checkpoint."""
    from tests.support.bots import make_bot

    alpha, beta = make_bot("alpha"), make_bot("beta")
    orphan = Checkpoint.objects.create(name="orphan-voice", kind=Checkpoint.Kind.MARKOV, path="markov/orphan.json")
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.goto(f"{live_server.url}/generation/")
    checkpoint, account = page.locator("#batch-form select[name=checkpoint]"), page.locator("#batch-form select[name=account] option").first
    for chosen, name in ((alpha.checkpoint, "alpha"), (beta.checkpoint, "beta"), (orphan, "none yet")):
        checkpoint.select_option(str(chosen.pk))
        assert account.inner_text() == f"The checkpoint's account ({name})"


def test_picking_an_untrained_base_model_warns_before_generating(browser: Any, live_server: Any) -> None:
    """Point 7: the warning appears as soon as a base model is picked, and goes with a trained one."""
    from generation.models import Checkpoint
    from tests.support.generation import tiny_checkpoint

    base = tiny_checkpoint()
    chain = Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json")
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.goto(f"{live_server.url}/generation/")
    note = page.locator("#batch-form [data-base-note]")
    assert note.is_hidden()
    page.locator("#batch-form select[name=checkpoint]").select_option(str(base.pk))
    assert note.is_visible() and "untrained base model" in note.inner_text()
    page.locator("#batch-form select[name=checkpoint]").select_option(str(chain.pk))
    assert note.is_hidden()


def test_post_now_and_unschedule_ask_first_and_logging_out_says_so(browser: Any, live_server: Any) -> None:
    """Point 12: "Post now" and "Unschedule" ask for confirmation (Cancel sends nothing); logging out says so."""
    from datetime import timedelta

    from django.utils import timezone

    from posting.models import Post
    from tests.support.queue import make_account

    make_curator("carl")
    account = make_account()
    when = timezone.now() + timedelta(days=1)
    post = Post.objects.create(account=account, text="Tomorrow's words", scheduled_at=when)
    page = log_in(browser, live_server.url, "carl")
    page.goto(f"{live_server.url}/schedule/")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Post now").click()
    page.wait_for_timeout(300)
    assert asked and asked[0].startswith("Post this now on bot")
    assert Post.objects.get(pk=post.pk).scheduled_at == when  # nothing was sent to the server

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Unschedule").click()
    page.wait_for_timeout(300)
    assert Post.objects.get(pk=post.pk).state == Post.State.QUEUED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Unschedule").click()
    page.wait_for_selector(f"#post-{post.pk}", state="detached")
    assert Post.objects.get(pk=post.pk).state == Post.State.CANCELLED

    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector(".logged-out")
    assert page.locator(".logged-out").inner_text() == "You are logged out."
    assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith("/static/img/favicon.svg")


def test_the_queue_schedule_and_history_fit_a_390_px_phone(browser: Any, live_server: Any) -> None:
    """Point 11: no page scrolls sideways at 390 px, the navigation stays inside the bar, long words wrap."""
    from datetime import timedelta

    from django.utils import timezone

    from posting.models import Post
    from tests.support.queue import make_account

    make_curator("carl")
    account = make_account()
    long_word = "x" * 400
    make_candidate(f"A candidate with a very long word {long_word} inside", batch=make_batch())
    make_near_copy()
    Post.objects.create(account=account, text=f"Queued {long_word}", scheduled_at=timezone.now() + timedelta(hours=3))
    Post.objects.create(
        account=account,
        text=f"Sent {long_word}",
        scheduled_at=timezone.now() - timedelta(hours=3),
        state=Post.State.SENT,
        sent_at=timezone.now() - timedelta(hours=3),
        remote_id="123",
    )
    page = log_in(browser, live_server.url, "carl")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/queue/", "/schedule/", "/history/"):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=f"var/screenshots/phone-{path.strip('/')}.png", full_page=True)
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width, wide)
        bar = page.evaluate("[document.querySelector('.topbar').scrollWidth, document.querySelector('.topbar').clientWidth]")
        assert bar[0] <= bar[1], (path, bar)
        last = page.locator(".topbar nav a").last.bounding_box()
        assert last and last["x"] + last["width"] <= 390, path


def test_the_owners_longer_navigation_wraps_inside_the_bar_at_390_px(browser: Any, live_server: Any) -> None:
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.screenshot(path="var/screenshots/phone-home-owner.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [page.locator(".topbar nav a").nth(i).bounding_box() for i in range(page.locator(".topbar nav a").count())]
    from core.context_processors import nav_items

    assert len(boxes) == len(nav_items()) and all(b and b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in boxes)


def test_the_pages_for_the_readme(browser: Any, live_server: Any) -> None:
    """The screenshots in docs/screenshots/ come from here (copied by hand from var/screenshots/docs-*.png)."""
    from generation.models import FinetuneRun, Status
    from tests.support.browser import SCREENSHOT_DIR
    from tests.support.generation import tiny_checkpoint

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    make_owner()
    page = log_in(browser, live_server.url, "olivia", "owner-pass-123")
    page.set_viewport_size({"width": 1100, "height": 720})
    page.goto(f"{live_server.url}/")  # a new install: nothing imported yet
    assert page.locator(".steps li.next").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "docs-home-new-install.png"))

    batch = make_batch(temperature=0.9)
    stitched, _one, _two = _stitched(batch)
    make_candidate("東京の雨の日は、植物にとって最高の一日です。🌿 水やりはお休み\uff01", batch=batch)
    make_candidates(3, batch=batch, prefix="Water the ferns on Sunday")
    page.goto(f"{live_server.url}/queue/")
    page.screenshot(path=str(SCREENSHOT_DIR / "docs-queue.png"))
    press(page, "j")
    page.wait_for_selector(f'#queue-panel:not([data-candidate-id="{stitched.pk}"])')
    press(page, "e")
    area = page.locator("#queue-panel textarea")
    area.wait_for()
    page.keyboard.type(" 👨‍👩‍👧")
    page.wait_for_selector(".qcard-length:not([data-counting])")
    page.screenshot(path=str(SCREENSHOT_DIR / "docs-editor-cjk.png"))
    press(page, "Escape")

    tiny_checkpoint()
    FinetuneRun.objects.create(
        corpus=batch.corpus,
        base_model="tiny",
        run_name="tweets-1",
        steps=300,
        step=300,
        status=Status.SUCCEEDED,
        loss_history=[[i, 3.2 - i / 150 + (i % 40) / 200] for i in range(0, 301, 10)],
        samples=[{"step": 300, "text": "Water the ferns on Sunday<|endoftext|><|startoftext|>The rain is the best gardener"}],
    )
    page.goto(f"{live_server.url}/generation/")
    page.locator("details.sample summary").click()
    page.screenshot(path=str(SCREENSHOT_DIR / "docs-generation.png"))
