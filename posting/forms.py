import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms

from posting.models import Account
from posting.networks import SERVER_HELP, credential_fields

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class AccountForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=[(z, z) for z in sorted(available_timezones())], initial="UTC")

    class Meta:
        model = Account
        fields = [
            "name",
            "publisher",
            "timezone",
            "daily_cap",
            "checkpoints",
            "autofill",
            "autofill_hours",
            "schedule_from_queue",
            "made_with_ai",
        ]
        help_texts = {"daily_cap": "The most posts a day (in the account's time zone)."}
        labels = {"checkpoints": "Voice (models whose candidates it posts)"}
        widgets = {"checkpoints": forms.CheckboxSelectMultiple}

    autofill_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 31,
        initial=48,
        label="Fill slots up to (hours ahead)",
        help_text="Only slots this close are filled (48 when left empty).",
    )

    def clean_autofill_hours(self) -> int:
        return self.cleaned_data.get("autofill_hours") or 48

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.publisher != Account.Publisher.X:
            # X's field only: not offered on a Bluesky, Mastodon or dry-run account's page.
            del self.fields["made_with_ai"]


class CredentialsForm(forms.Form):
    """Write-only: the inputs never carry the stored secrets back. The fields are the account's network's."""

    def __init__(self, *args: Any, publisher: str = Account.Publisher.X, server_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publisher = publisher
        if publisher in SERVER_HELP:
            required = publisher == Account.Publisher.MASTODON
            label = "Instance URL" if required else "PDS URL"
            self.fields["server_url"] = forms.URLField(
                label=label, required=required, initial=server_url, help_text=SERVER_HELP[publisher], assume_scheme="https"
            )
        for field in credential_fields(publisher):
            widget = forms.PasswordInput(render_value=False) if field.secret else forms.TextInput(attrs={"autocomplete": "off"})
            self.fields[field.name] = forms.CharField(label=field.label, max_length=500, widget=widget, help_text=field.help_text)

    def values(self) -> dict[str, str]:
        return {f.name: self.cleaned_data[f.name] for f in credential_fields(self.publisher)}

    def server(self) -> str | None:
        """The server URL entered, or None when the network has none to set."""
        if "server_url" not in self.fields:
            return None
        return str(self.cleaned_data.get("server_url") or "")


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


class ReplySettingsForm(forms.ModelForm):
    replies_per_hour = forms.IntegerField(min_value=1, max_value=100, help_text="The most replies posted in any hour.")
    reply_candidates = forms.IntegerField(min_value=1, max_value=20, help_text="Candidate replies generated for each mention.")

    class Meta:
        model = Account
        fields = ["replies_enabled", "replies_per_hour", "reply_candidates", "reply_checkpoint", "ignore_users", "ignore_words"]
        labels = {"replies_enabled": "Answer mentions", "reply_checkpoint": "Reply model"}
        widgets = {"ignore_users": forms.Textarea(attrs={"rows": 3}), "ignore_words": forms.Textarea(attrs={"rows": 3})}

    def clean_ignore_users(self) -> str:
        value: str = self.cleaned_data["ignore_users"]
        bad = [n for n in re.split(r"[\s,]+", value) if n and not re.fullmatch(r"@?\w{1,50}", n)]
        if bad:
            raise forms.ValidationError(f"Not a username: {', '.join(bad[:3])}. Usernames are letters, digits and underscores.")
        return value


class SimulateMentionForm(forms.Form):
    author = forms.RegexField(
        regex=r"^@?\w{1,50}$",
        initial="demo_fan",
        error_messages={"invalid": "A username is letters, digits and underscores."},
    )
    text = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), initial="@demo-bot what do you think of the news?")
