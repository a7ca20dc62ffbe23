"""The fake X API as users run it: `python -m testing.fakex --port N`, a separate process, driven over HTTP."""

import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator

import pytest
import tweepy

from testing.fakex import FakeXControl
from tests.support.workers import BASE_DIR, process_env


@pytest.fixture(scope="module")
def command_process() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "testing.fakex", "--port", str(port)],
        cwd=BASE_DIR,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line, line
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def command_server(command_process: str) -> str:
    control = FakeXControl(command_process)
    control.reset()
    control.config(reject_duplicates=True)
    return command_process


def client_for(url: str, token: str) -> tweepy.Client:
    from posting.publishers import X_API, _XTransport

    client = tweepy.Client(consumer_key="ck", consumer_secret="cs", access_token=token, access_token_secret="ats")
    client.session.mount(X_API, _XTransport(base_url=url, timeout=(2, 2)))
    return client


def test_the_command_serves_create_me_and_timeline_in_the_api_shapes(command_server: str) -> None:
    control = FakeXControl(command_server)
    control.user(access_token="tok", username="cmdbot")
    client = client_for(command_server, "tok")
    me = client.get_me(user_auth=True).data
    assert me.username == "cmdbot"
    created = client.create_tweet(text="hello @someone", user_auth=True).data
    timeline = client.get_users_tweets(me.id, tweet_fields=["created_at"], user_auth=True)
    assert [t.id for t in timeline.data] == [int(created["id"])]
    assert timeline.data[0].created_at is not None
    assert [t["text"] for t in control.tweets()] == ["hello @someone"]


def test_it_refuses_duplicate_content_as_x_does(command_server: str) -> None:
    client = client_for(command_server, "tok")
    client.create_tweet(text="same words", user_auth=True)
    with pytest.raises(tweepy.Forbidden) as caught:
        client.create_tweet(text="same words", user_auth=True)
    assert "duplicate content" in caught.value.response.json()["detail"]


def test_scripted_faults_come_in_order_with_a_rate_limit_reset_header(command_server: str) -> None:
    control = FakeXControl(command_server)
    control.fault("429", reset_in=30)
    control.fault("401")
    client = client_for(command_server, "tok")
    with pytest.raises(tweepy.TooManyRequests) as limited:
        client.create_tweet(text="a", user_auth=True)
    assert 25 <= limited.value.reset_time - time.time() <= 31
    with pytest.raises(tweepy.Unauthorized):
        client.create_tweet(text="a", user_auth=True)
    client.create_tweet(text="a", user_auth=True)
    assert len(control.tweets()) == 1


def test_it_rejects_an_unknown_fault_kind_and_requests_without_oauth(command_server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as bad:
        FakeXControl(command_server).fault("418")
    assert bad.value.code == 400
    import requests

    assert requests.post(f"{command_server}/2/tweets", json={"text": "x"}, timeout=5).status_code == 401


def test_mentions_and_pagination_are_served_for_later_features(command_server: str) -> None:
    control = FakeXControl(command_server)
    bot = control.user(access_token="bot", username="thebot")
    fan = client_for(command_server, "fan")
    for i in range(7):
        fan.create_tweet(text=f"@thebot hi {i}", user_auth=True)
    first = client_for(command_server, "bot").get_users_mentions(bot["id"], max_results=5, user_auth=True)
    assert len(first.data) == 5 and first.meta["next_token"]
    rest = client_for(command_server, "bot").get_users_mentions(
        bot["id"], max_results=5, pagination_token=first.meta["next_token"], user_auth=True
    )
    assert len(rest.data) == 2
