"""Forms of the curator app: what a decision carries, the inline edit, list filters and bulk actions."""

from typing import Any

from django import forms

from corpora.models import Corpus
from curator.models import Candidate, QueuePreference
from curator.publication import FILTERS
from curator.selectors import SORTS


class DecisionForm(forms.Form):
    """Every decision carries the version of the candidate the curator saw."""

    version = forms.IntegerField(min_value=1)
    override = forms.BooleanField(required=False)
    # Schedule only: the account chosen in the card's menu (empty: the one the candidate is for).
    account = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(required=False, max_length=40)


class EditForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 4, "autofocus": True, "spellcheck": "true"}))


class UndoForm(forms.Form):
    decision = forms.IntegerField(min_value=1, required=False)


class CandidateFilterForm(forms.Form):
    # The filter bar shows placeholders; the labels are there for screen readers (visually hidden).
    q = forms.CharField(required=False, label="Search text", widget=forms.TextInput(attrs={"placeholder": "Search text", "type": "search"}))
    # A batch id is a 64-bit integer: a bigger number would overflow SQLite's INTEGER in the query.
    batch = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, label="Batch", widget=forms.NumberInput(attrs={"placeholder": "Batch"})
    )
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *Candidate.Status.choices, *FILTERS])
    verdict = forms.ChoiceField(required=False, label="Near-copy verdict", choices=[("", "Any verdict"), *Candidate.Verdict.choices])
    curator = forms.CharField(required=False, label="Decided by", widget=forms.TextInput(attrs={"placeholder": "Decided by"}))
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[(key, key.capitalize()) for key in SORTS])


class SelectionField(forms.Field):
    """Checked rows as "id:version" pairs: a bulk decision also carries what the curator saw."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[tuple[int, int]]:
        items = []
        for raw in value if isinstance(value, list) else []:
            try:
                pk, version = (int(part) for part in str(raw).split(":", 1))
            except ValueError:
                raise forms.ValidationError(f"{raw!r} is not a candidate selection.") from None
            items.append((pk, version))
        return items


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    override = forms.BooleanField(required=False)
    selected = SelectionField(error_messages={"required": "Select at least one candidate."})


def _related(name: str) -> Any:
    """A model of generation (above this app, so never imported here), reached through the preference's relation."""
    return QueuePreference._meta.get_field(name).related_model


class QueueChoiceForm(forms.Form):
    """The curator's order and what to review: one bot, one batch or one checkpoint (or everything)."""

    order = forms.ChoiceField(choices=QueuePreference.Order.choices, label="Order")
    corpus = forms.ModelChoiceField(queryset=Corpus.objects.order_by("name"), required=False, label="Bot", empty_label="Every bot")
    checkpoint = forms.ModelChoiceField(
        queryset=_related("checkpoint").objects.order_by("name"),
        required=False,
        label="Checkpoint",
        empty_label="Every checkpoint",
    )
    batch = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, label="Batch", help_text="A batch number, or empty for every batch."
    )

    def clean_batch(self) -> int | None:
        value = self.cleaned_data["batch"]
        if value is not None and not _related("batch").objects.filter(pk=value).exists():
            raise forms.ValidationError(f"There is no batch {value}.")
        return value
