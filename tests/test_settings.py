"""Settings come from the environment and a bad value stops start-up with a clear message."""

import os
import subprocess
import sys

import pytest

from tests.support.workers import BASE_DIR

STRIP = {
    "DEBUG",
    "SECRET_KEY",
    "CREDENTIALS_KEY",
    "TESTING",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "DATABASE_URL",
    "REDIS_URL",
}
PROD = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "-Q9r!v2",
    "CREDENTIALS_KEY": "n5Tl0w3kJ2rYjv2Jm8rK3p2pQ3m3wz0l3Q8m2c3Yb9A=",
    "ALLOWED_HOSTS": "bot.example.org",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in STRIP}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(BASE_DIR / "var" / "settings-test"), **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120)


def _compose_environment() -> dict[str, str]:
    """The web service's environment as docker compose resolves it with nothing set but the two secrets."""
    import re

    import yaml

    env = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]["web"]["environment"]
    secrets = {"SECRET_KEY": PROD["SECRET_KEY"], "CREDENTIALS_KEY": PROD["CREDENTIALS_KEY"]}

    def resolve(value: str) -> str:
        def one(m: re.Match[str]) -> str:
            name, op, default = m.group(1), m.group(2), m.group(3)
            return secrets[name] if op == ":?" else default

        return re.sub(r"\$\{(\w+)(:-|:\?)([^}]*)\}", one, str(value))

    resolved = {k: resolve(v) for k, v in env.items()}
    # Paths of the container do not exist here.
    return resolved | {"VAR_DIR": str(BASE_DIR / "var" / "settings-test"), "MODELS_DIR": str(BASE_DIR / "var" / "settings-test")}


def test_docker_compose_defaults_pass_check_deploy() -> None:
    env = _compose_environment()
    assert env["SECURE_SSL_REDIRECT"] == "1" and env["SESSION_COOKIE_SECURE"] == "1" and env["BEHIND_TLS_PROXY"] == "1"
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_pass_check_deploy() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({**PROD, "SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({**PROD, "CREDENTIALS_KEY": ""}, "CREDENTIALS_KEY must be set"),
        ({**PROD, "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL='mysql://x/y' must start with one of"),
        ({**PROD, "REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with one of"),
        ({**PROD, "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ({**PROD, "ALLOWED_HOSTS": "a,,b"}, "ALLOWED_HOSTS='a,,b' has an empty entry"),
        ({**PROD, "QUEUE_CLAIM_SECONDS": "soon"}, "QUEUE_CLAIM_SECONDS='soon' is not an integer"),
        ({**PROD, "CORPUS_MAX_TEXT_CHARS": "100"}, "CORPUS_MAX_TEXT_CHARS=100 is below the minimum of 280"),
        ({**PROD, "CREDENTIALS_KEY": "not-a-fernet-key"}, "CREDENTIALS_KEY: key 1 is not a Fernet key"),
        ({**PROD, "CREDENTIALS_KEY": PROD["CREDENTIALS_KEY"] + ",n5Tl0w3k"}, "CREDENTIALS_KEY: key 2 is not a Fernet key"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(env: dict[str, str], message: str) -> None:
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_malformed_credentials_key_fails_check_deploy_without_showing_it() -> None:
    result = manage("check", "--deploy", **{**PROD, "CREDENTIALS_KEY": "s3cret-but-not-a-key"})
    assert result.returncode != 0 and "CREDENTIALS_KEY: key 1 is not a Fernet key" in result.stderr
    assert "s3cret-but-not-a-key" not in result.stderr + result.stdout


def test_oauth_libraries_never_log_credentials_even_at_debug() -> None:
    """oauthlib logs the consumer key, token and signature base string at DEBUG; LOG_LEVEL=DEBUG must not show them."""
    code = (
        "import django, logging, requests; django.setup(); from requests_oauthlib import OAuth1; "
        "logging.getLogger('probe').debug('debug logging is on'); "
        "requests.Request('POST', 'https://api.twitter.com/2/tweets', json={'text': 'hi'}, "
        "auth=OAuth1('CONSUMERKEY123', 'CONSUMERSECRET', 'ACCESSTOKEN456', 'TOKENSECRET')).prepare()"
    )
    clean = {k: v for k, v in os.environ.items() if k not in STRIP}
    env = clean | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(BASE_DIR / "var" / "settings-test"),
        **PROD,
        "LOG_LEVEL": "DEBUG",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "debug logging is on" in result.stderr  # the test can see DEBUG lines at all
    for secret in ("CONSUMERKEY123", "ACCESSTOKEN456"):
        assert secret not in result.stderr


def test_the_embedded_default_needs_no_service() -> None:
    result = manage(
        "shell", "-c", "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)", DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_redis_and_postgres_take_over_through_the_environment() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        DEBUG="1",
        DATABASE_URL="postgres://u@db:5432/x",
        REDIS_URL="redis://r:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["django.db.backends.postgresql", "redis://r:6379/0"]


def test_celery_routes_gpu_tasks_and_acks_late() -> None:
    from django.conf import settings

    from config.celery import app

    assert settings.CELERY_TASK_ROUTES["generation.tasks.generate"] == {"queue": "gpu"}
    assert settings.CELERY_TASK_ROUTES["generation.tasks.finetune"] == {"queue": "gpu"}
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    # Redis redelivers unacked tasks after the visibility timeout: it must outlast the longest task.
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.GPU_TASK_SOFT_LIMIT


def test_every_beat_entry_names_a_registered_task() -> None:
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task {entry['task']}"
