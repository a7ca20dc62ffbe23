"""Docker does not run here: parse docker-compose.yml and check the stack it describes."""

from pathlib import Path

import yaml

from core.management.commands.runstack import stack_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_defines_the_full_stack() -> None:
    assert set(SERVICES) == {"postgres", "redis", "web", "worker-gpu", "worker", "beat"}


def test_app_services_share_one_environment_pointing_at_postgres_and_redis() -> None:
    for name in ("web", "worker-gpu", "worker", "beat"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "0"
        assert "models:/models" in SERVICES[name]["volumes"]
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_gpu_worker_is_one_solo_process_with_a_gpu() -> None:
    gpu = SERVICES["worker-gpu"]
    cmd = gpu["command"]
    assert cmd[cmd.index("-Q") + 1] == "gpu"
    assert cmd[cmd.index("--pool") + 1] == "solo"
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]


def test_the_default_worker_and_beat_match_the_local_stack() -> None:
    local = stack_commands(host="127.0.0.1", port=8000, python="python")
    assert SERVICES["worker"]["command"][SERVICES["worker"]["command"].index("-Q") + 1] == "default"
    assert local["worker"][local["worker"].index("-Q") + 1] == "default"
    assert "beat" in SERVICES["beat"]["command"] and "beat" in local["beat"]
    assert "gunicorn" in " ".join(SERVICES["web"]["command"])


def test_secrets_are_required_not_committed() -> None:
    env = SERVICES["web"]["environment"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["CREDENTIALS_KEY"].startswith("${CREDENTIALS_KEY:?")
    assert "Dockerfile" in {p.name for p in ROOT.iterdir()}


def test_the_image_leaves_out_the_test_only_code_and_local_state() -> None:
    ignored = {
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")
    }
    assert {"tests", "testing", "var", "models", ".venv", ".env"} <= ignored
