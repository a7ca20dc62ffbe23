"""The fake X server answers as the recorded real X answers did (testing/x_recorded.json): status, headers, JSON shape."""

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from testing.fakex import FakeXControl, FakeXServer

RECORDED = json.loads((Path(__file__).resolve().parent.parent / "testing" / "x_recorded.json").read_text())["responses"]
SECRETS = {"consumer_key": "ck", "consumer_secret": "cs", "access_token_secret": "ats"}


def shape(value: Any) -> Any:
    """The keys of a JSON value all the way down (list items by the shape of the first); values are left out."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture(scope="module")
def server() -> Any:
    fake = FakeXServer().start()
    yield fake
    fake.stop()


def _ask(server: FakeXServer, recorded: dict[str, Any]) -> requests.Response:
    control = FakeXControl(server.url)
    control.reset()
    user = control.user(access_token="tok", username="rec", secrets=SECRETS)
    auth = OAuth1(SECRETS["consumer_key"], SECRETS["consumer_secret"], "tok", SECRETS["access_token_secret"])
    request = recorded["request"]
    path = request["path"].replace("{user_id}", user["id"])
    if recorded["status"] == 402:
        control.fault("402")
    if "next_token" in json.dumps(recorded["body"] or {}):
        # As many posts as X had, shown in pages as short as its page was.
        for n in range(len(recorded["body"]["data"]) + 1):
            control.mention(author="rec", text=f"post {n}")
        control.config(page_cap=len(recorded["body"]["data"]))
    # Signed for X's own address (as the publisher's transport does), sent to the fake.
    prepared = requests.Request(request["method"], "https://api.twitter.com" + path, json=request.get("json"), auth=auth).prepare()
    prepared.url = server.url + path
    return requests.Session().send(prepared, timeout=10)


@pytest.mark.parametrize("recorded", RECORDED, ids=[r["name"] for r in RECORDED])
def test_the_fake_answers_like_the_recorded_x(server: FakeXServer, recorded: dict[str, Any]) -> None:
    assert recorded["source"]
    answer = _ask(server, recorded)
    assert answer.status_code == recorded["status"], answer.text
    for name, value in recorded["headers"].items():
        assert name in answer.headers, name
        if name in ("content-type", "cache-control"):
            assert answer.headers[name] == value
    if recorded["body"] is not None:
        mine, theirs = shape(answer.json()), shape(recorded["body"])
        # Every field X sent is there, of the same type; the fake may send more (edit_history_tweet_ids is newer than 2021).
        assert _covers(mine, theirs), (mine, theirs)


def _covers(mine: Any, theirs: Any) -> bool:
    if isinstance(theirs, dict):
        return isinstance(mine, dict) and all(key in mine and _covers(mine[key], value) for key, value in theirs.items())
    if isinstance(theirs, list):
        return isinstance(mine, list) and (not theirs or (bool(mine) and _covers(mine[0], theirs[0])))
    return bool(mine == theirs)
