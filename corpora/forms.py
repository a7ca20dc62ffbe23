from django import forms
from django.conf import settings

from corpora.cleaning import KEEP_SELF_REPLIES, KEEP_SELF_REPLIES_HELP, RULES
from corpora.formats import FORMATS


class CorpusUploadForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="A unique name, e.g. the account it comes from.")
    file = forms.FileField(help_text="CSV, plain text, Trump Twitter Archive JSON, X archive tweets.js or JSON Lines.")
    format = forms.ChoiceField(
        choices=[("", "Detect automatically"), *FORMATS.items()],
        required=False,
        error_messages={"invalid_choice": f"Unknown format %(value)s: choose one of {', '.join(FORMATS)} (or detect automatically)."},
    )
    delimiter = forms.CharField(
        max_length=50, required=False, help_text="For the delimited format: the line between texts (detected if empty)."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for rule in RULES:
            self.fields[rule.option] = forms.BooleanField(required=False, initial=rule.default, label=f"{rule.label}", help_text=rule.help)
            if rule.key == "replies":
                self.fields[KEEP_SELF_REPLIES] = forms.BooleanField(
                    required=False, initial=False, label="…but keep self-replies", help_text=KEEP_SELF_REPLIES_HELP
                )
        limit = settings.CORPUS_MAX_UPLOAD_BYTES
        self.fields["file"].help_text += f" At most {limit // (1024 * 1024) or limit} {'MiB' if limit >= 1024 * 1024 else 'bytes'}."

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "file", "format", "delimiter")]

    def rule_fields(self) -> list[forms.BoundField]:
        fields = []
        for rule in RULES:
            fields.append(self[rule.option])
            if rule.key == "replies":
                fields.append(self[KEEP_SELF_REPLIES])
        return fields

    def import_options(self) -> dict[str, object]:
        options: dict[str, object] = {rule.option: self.cleaned_data[rule.option] for rule in RULES}
        options[KEEP_SELF_REPLIES] = self.cleaned_data[KEEP_SELF_REPLIES]
        if self.cleaned_data.get("delimiter"):
            options["delimiter"] = self.cleaned_data["delimiter"]
        return options
