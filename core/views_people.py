"""The People page: owners add owners and curators, set new passwords, change roles, deactivate people."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import people
from core.access import owner_required
from core.forms import PasswordResetForm, PersonAddForm, RoleForm
from core.http import AuthedRequest

TEMPLATE = "core/people.html"


def _page(request: AuthedRequest, *, add_form: PersonAddForm | None = None, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"people": people.people_list(), "add_form": add_form or PersonAddForm(), "roles": people.ROLES, **extra}
    return render(request, TEMPLATE, context, status=status)


@require_GET
@owner_required
def people_page(request: AuthedRequest) -> HttpResponse:
    return _page(request)


@require_POST
@owner_required
def person_add(request: AuthedRequest) -> HttpResponse:
    form = PersonAddForm(request.POST)
    if not form.is_valid():
        return _page(request, add_form=form, status=400)
    data = form.cleaned_data
    try:
        user = people.person_add(username=data["username"], password=data["password"], role=data["role"])
    except people.PeopleError as exc:
        form.add_error("username", str(exc))
        return _page(request, add_form=form, status=400)
    messages.success(request, f"Added {user.get_username()} as {data['role']}. They can log in now with the password you set.")
    return redirect("core:people")


@require_POST
@owner_required
def person_password(request: AuthedRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(user, request.POST)
    if not form.is_valid():
        return _page(request, status=400, password_form=form, password_for=user.pk)
    people.person_password_set(user=user, password=form.cleaned_data["new_password1"])
    messages.success(request, f"New password set for {user.get_username()}: give it to them privately.")
    return redirect("core:people")


@require_POST
@owner_required
def person_role(request: AuthedRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise people.PeopleError("Pick owner or curator.")
        people.person_role_set(user=user, role=form.cleaned_data["role"], by=request.user)
    except people.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{user.get_username()} is now {form.cleaned_data['role']}.")
    return redirect("core:people")


@require_POST
@owner_required
def person_active(request: AuthedRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        people.person_active_set(user=user, active=active, by=request.user)
    except people.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        what = "can log in again" if active else "is deactivated: logged out everywhere, their claimed candidates go back to the pool"
        messages.success(request, f"{user.get_username()} {what}.")
    return redirect("core:people")
