"""Forms of the People page: Django's own password rules (AUTH_PASSWORD_VALIDATORS) apply."""

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password

from core.people import ROLES


class PersonAddForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{1,150}$",
        max_length=150,
        help_text="What they type to log in: letters, digits and . @ + - _",
        error_messages={"invalid": "Use letters, digits and . @ + - _ only."},
    )
    role = forms.ChoiceField(choices=list(ROLES.items()), initial="curator", widget=forms.RadioSelect)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="Give it to them privately; they can be given a new one here at any time.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("username"):
            try:
                validate_password(data["password"], User(username=data["username"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class PasswordResetForm(SetPasswordForm):
    """Django's own: two fields that must match, checked by the password validators."""


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(k, k.capitalize()) for k in ROLES])
