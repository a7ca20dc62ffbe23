from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from django import forms

from posting.crypto import CREDENTIAL_FIELDS
from posting.models import Account

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class AccountForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=[(z, z) for z in sorted(available_timezones())], initial="UTC")

    class Meta:
        model = Account
        fields = ["name", "publisher", "timezone", "daily_cap"]
        help_texts = {"daily_cap": "The most posts a day (in the account's time zone)."}


class CredentialsForm(forms.Form):
    """Write-only: the inputs never carry the stored values back."""

    consumer_key = forms.CharField(label="API key (consumer key)", max_length=200, widget=forms.PasswordInput(render_value=False))
    consumer_secret = forms.CharField(
        label="API key secret (consumer secret)", max_length=200, widget=forms.PasswordInput(render_value=False)
    )
    access_token = forms.CharField(label="Access token", max_length=200, widget=forms.PasswordInput(render_value=False))
    access_token_secret = forms.CharField(label="Access token secret", max_length=200, widget=forms.PasswordInput(render_value=False))

    def values(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in CREDENTIAL_FIELDS}


class SlotForm(forms.Form):
    time_of_day = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[d for d, _ in WEEKDAYS],
        error_messages={"required": "Pick at least one day."},
    )


class MoveForm(forms.Form):
    when = forms.DateTimeField(
        label="New time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: object, account: Account, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.account = account

    def clean_when(self) -> datetime:
        when: datetime = self.cleaned_data["when"]
        # The form's time is in the account's zone, as the schedule page shows it.
        return when.replace(tzinfo=None).replace(tzinfo=ZoneInfo(self.account.timezone))
