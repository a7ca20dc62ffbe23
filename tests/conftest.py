from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from tests import services
from tests.workers import Worker, celery_worker


@pytest.fixture
def owner(db: None) -> User:
    user = User.objects.create_user("olivia", password="owner-pass-123")
    user.groups.add(Group.objects.get_or_create(name="owner")[0])
    return user


@pytest.fixture
def curator(db: None) -> User:
    user = User.objects.create_user("carl", password="curator-pass-123")
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    return user


@pytest.fixture
def curator2(db: None) -> User:
    user = User.objects.create_user("cora", password="curator-pass-456")
    user.groups.add(Group.objects.get_or_create(name="curator")[0])
    return user


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user("otto", password="outsider-pass-123")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: User) -> Client:
    return _client_for(owner)


@pytest.fixture
def curator_client(curator: User) -> Client:
    return _client_for(curator)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return _client_for(outsider)


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def redis_broker() -> str:
    return services.redis_url()


@pytest.fixture
def worker(transactional_db: None, redis_broker: str) -> Iterator[Worker]:
    """A real Celery worker process on the real Redis broker, consuming both queues."""
    with celery_worker() as w:
        yield w
