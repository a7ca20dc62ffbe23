"""Signal receivers of the curator app (connected in CuratorConfig.ready)."""

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from core.people import person_deactivated
from curator import claims


@receiver(user_logged_out, dispatch_uid="curator.release_claims_on_logout")
def release_claims_on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    # A curator who leaves should not keep candidates from the others until the lease runs out.
    if user is not None:
        claims.claims_release(user=user)


@receiver(person_deactivated, dispatch_uid="curator.release_claims_on_deactivation")
def release_claims_on_deactivation(sender: Any, user: User, **kwargs: Any) -> None:
    # A deactivated curator is logged out everywhere; their cards go back to the pool now, not when the lease ends.
    claims.claims_release(user=user)
