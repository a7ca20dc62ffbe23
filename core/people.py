"""People: the owners manage who can log in and what they may do (owner or curator), in the product.

A person is a Django user in exactly one of the two groups. Nobody is deleted (their decisions and posts
keep their name): a person who should no longer work here is deactivated, which ends their sessions
(Django's backend refuses inactive users on every request) and lets their queue leases run out.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.dispatch import Signal

from core.access import CURATOR, OWNER

ROLES = {OWNER: "Owner: everything, including corpora, models, accounts and people", CURATOR: "Curator: the queue, schedule and history"}


# Sent when someone is deactivated: the queue gives their claimed candidates back at once.
person_deactivated = Signal()  # kwargs: user


class PeopleError(Exception):
    """A change refused with a reason the owner can act on; nothing was changed."""


@dataclass(frozen=True)
class Person:
    user: User
    role: str  # "owner", "curator" or "" (neither: e.g. an admin-only account)


def people_list() -> list[Person]:
    users = User.objects.prefetch_related("groups").order_by("-is_active", "username")
    people = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        role = OWNER if OWNER in names or user.is_superuser else CURATOR if CURATOR in names else ""
        people.append(Person(user=user, role=role))
    return people


def _active_owners() -> int:
    return (
        User.objects.filter(is_active=True, groups__name=OWNER).distinct().count()
        + User.objects.filter(is_active=True, is_superuser=True).exclude(groups__name=OWNER).count()
    )


def _set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise PeopleError(f"Unknown role {role!r}: owner or curator.")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*groups.values())
    user.groups.add(groups[role])


def person_add(*, username: str, password: str, role: str) -> User:
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise PeopleError(f"There is already someone called {username!r}.")
        user = User.objects.create_user(username, password=password)
        _set_role(user, role)
    return user


def person_role_set(*, user: User, role: str, by: User) -> None:
    with transaction.atomic():
        if user == by and role != OWNER:
            raise PeopleError("You cannot take away your own owner role: ask another owner.")
        _set_role(user, role)


def person_password_set(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


def person_active_set(*, user: User, active: bool, by: User) -> None:
    with transaction.atomic():
        if not active and user == by:
            raise PeopleError("You cannot deactivate yourself: ask another owner.")
        is_owner = user.is_superuser or user.groups.filter(name=OWNER).exists()
        if not active and is_owner and user.is_active and _active_owners() <= 1:
            raise PeopleError(f"{user.get_username()} is the last active owner: make someone else an owner first.")
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            person_deactivated.send(sender=User, user=user)  # in the same transaction: all or nothing
