"""Plain words for publishing failures, for pages (the Accounts list, the Schedule, a candidate).

The exception's own text (an HTTPSConnectionPool(...) or a traceback's last line) means nothing to an owner
or a curator: it goes to the log and to the post's delivery history (Attempt.detail), never onto a page.
"""

from posting.crypto import CredentialsUnreadable
from posting.models import Account
from posting.publishers import AuthFailed, NotSent, OutcomeUnknown, RateLimited


def network_name(account: Account) -> str:
    return account.get_publisher_display().split(" (")[0]


def failure_reason(exc: BaseException, account: Account) -> str:
    network = network_name(account)
    if isinstance(exc, CredentialsUnreadable):
        return "The stored credentials cannot be read (the encryption key changed): enter them again."
    if isinstance(exc, AuthFailed):
        if not account.credentials_encrypted:
            return "The account has no credentials yet: enter them on its page."
        return f"{network} refused the credentials: enter them again, or check the app's permissions."
    if isinstance(exc, NotSent):
        return f"{network} could not be reached: nothing was sent; it is tried again later."
    if isinstance(exc, RateLimited):
        return f"{network} asks us to wait (rate limit): it is tried again later."
    if isinstance(exc, OutcomeUnknown):
        return f"{network} did not answer in time, or the connection was lost: checking whether it went out before any retry."
    return f"{network} failed in an unexpected way: checking whether it went out before any retry (details in the History)."
