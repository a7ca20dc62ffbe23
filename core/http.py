"""Request types for views: django-htmx adds `request.htmx`."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxHttpRequest):
    """A request that passed LoginRequiredMiddleware: the user is a real User."""

    user: User
