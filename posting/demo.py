"""The embedded demo's posting account: dry run, so the whole path works offline."""

from datetime import time

from django.conf import settings

from posting.models import Account, Slot

DEMO_ACCOUNT = "demo-bot"
DEMO_SLOTS = [time(9, 0), time(12, 0), time(15, 0), time(18, 0), time(21, 0)]


def demo_account_ensure() -> str:
    account, created = Account.objects.get_or_create(
        name=DEMO_ACCOUNT,
        defaults={
            "publisher": Account.Publisher.DRYRUN,
            "timezone": settings.TIME_ZONE,
            "daily_cap": len(DEMO_SLOTS),
            "handle": DEMO_ACCOUNT,
        },
    )
    if not account.slots.exists():
        Slot.objects.bulk_create([Slot(account=account, time_of_day=t, weekdays=list(range(1, 8))) for t in DEMO_SLOTS])
    state = "created" if created else "present"
    return f"Posting account {DEMO_ACCOUNT!r} (dry run, {account.slots.count()} daily slots) {state}: schedule posts on /schedule/, see them on /history/."
