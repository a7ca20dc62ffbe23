"""Small corpus files for the corpora tests, written in each supported format from one list of tweets.

Each tweet below exercises one rule; EXPECTED_* give the per-rule counts worked out by hand.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tweet:
    text: str
    id: str
    retweet_flag: bool = False
    reply_flag: bool = False


TWEETS = [
    Tweet("Hello world", "101"),  # kept
    Tweet("RT @bob: something nice", "102"),  # retweet by its text
    Tweet("Great rally tonight", "103", retweet_flag=True),  # retweet by flag (JSON formats only)
    Tweet("@alice thanks!", "104"),  # reply by its text
    Tweet("Thanks for coming", "105", reply_flag=True),  # reply by flag (JSON formats only)
    Tweet("Read this https://t.co/abc now", "106"),  # URL removed, then the double space
    Tweet("Fish &amp; chips", "107"),  # HTML entity
    Tweet("Too   many    spaces", "108"),  # whitespace
    Tweet("line one\nline two", "109"),  # a multi-line tweet stays one text
    Tweet("https://t.co/only", "110"),  # nothing left after the URL goes: empty
    Tweet(".@carol @dave", "111"),  # only mentions: empty
    Tweet("Hello world", "112"),  # exact duplicate of 101
    Tweet("Fish & chips", "113"),  # duplicate of 107 once 107 is cleaned
]

RULE_KEYS = ["retweets", "replies", "urls", "html_entities", "whitespace", "empty", "duplicates"]
# Text formats cannot carry the retweet/reply flags: 103 and 105 are kept there.
EXPECTED_TEXT = {
    "read": 13,
    "kept": 7,
    "retweets": 1,
    "replies": 1,
    "urls": 2,
    "html_entities": 1,
    "whitespace": 2,
    "empty": 2,
    "duplicates": 2,
}
EXPECTED_FLAGGED = {**EXPECTED_TEXT, "kept": 5, "retweets": 2, "replies": 2}
# One per line: the multi-line tweet becomes two texts.
EXPECTED_LINES = {**EXPECTED_TEXT, "read": 14, "kept": 8}
KEPT_TEXT = [
    "Hello world",
    "Great rally tonight",
    "Thanks for coming",
    "Read this now",
    "Fish & chips",
    "Too many spaces",
    "line one\nline two",
]
KEPT_FLAGGED = ["Hello world", "Read this now", "Fish & chips", "Too many spaces", "line one\nline two"]
CREATED_AT = "Mon May 04 18:54:25 +0000 2009"


def write_csv(path: Path, *, header: bool = True) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(["tweets"])
        for tweet in TWEETS:
            writer.writerow([tweet.text])
    return path


def write_lines(path: Path) -> Path:
    path.write_text("".join(t.text + "\n" for t in TWEETS), encoding="utf-8")
    return path


def write_delimited(path: Path, delimiter: str = "==========") -> Path:
    path.write_text(f"\n{delimiter}\n".join(t.text for t in TWEETS) + "\n", encoding="utf-8")
    return path


def trump_items() -> list[dict[str, object]]:
    return [
        {
            "source": "Twitter for Android",
            "text": t.text,
            "created_at": CREATED_AT,
            "retweet_count": 1,
            "favorite_count": 2,
            "is_retweet": t.retweet_flag,
            "in_reply_to_user_id_str": "999" if t.reply_flag else None,
            "id_str": t.id,
        }
        for t in TWEETS
    ]


def write_trump_json(path: Path) -> Path:
    path.write_text(json.dumps(trump_items(), indent=1), encoding="utf-8")
    return path


def x_items() -> list[dict[str, object]]:
    items = []
    for t in TWEETS:
        tweet: dict[str, object] = {
            "id_str": t.id,
            "id": t.id,
            "created_at": CREATED_AT,
            "full_text": t.text,
            "retweeted": False,
            "favorited": False,
            "lang": "en",
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        }
        if "https://t.co/abc" in t.text:
            tweet["entities"] = {
                "user_mentions": [],
                "urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.com/story", "display_url": "example.com/story"}],
            }
        if t.retweet_flag:
            # Archives carry no retweet flag; a retweet is written "RT @user: …".
            tweet["full_text"] = "RT @rally: " + t.text
        if t.reply_flag:
            tweet["in_reply_to_status_id_str"] = "555"
            tweet["in_reply_to_user_id_str"] = "999"
        items.append({"tweet": tweet})
    return items


def write_x_archive(path: Path) -> Path:
    path.write_text("window.YTD.tweets.part0 = " + json.dumps(x_items(), indent=2), encoding="utf-8")
    return path


def write_jsonl(path: Path) -> Path:
    lines = []
    for t in TWEETS:
        item: dict[str, object] = {"id": t.id, "text": t.text, "created_at": "2020-01-02T03:04:05Z"}
        if t.retweet_flag:
            item["is_retweet"] = True
        if t.reply_flag:
            item["in_reply_to_status_id"] = "555"
        lines.append(json.dumps(item))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
