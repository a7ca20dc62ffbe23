"""Forms of the Generation page; the commands validate through the same forms."""

from typing import Any

from django import forms
from django.utils.text import slugify

from corpora.models import Corpus
from generation.gpt2 import files
from generation.models import DEFAULT_LENGTH, DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, Checkpoint, FinetuneRun, GenerationBatch


def model_name_validate(value: str) -> None:
    """files.name_check as a form validator: the page and the commands refuse the same names with the same words."""
    try:
        files.name_check(value)
    except files.BadName as exc:
        raise forms.ValidationError(str(exc), code="invalid") from None


def run_name_suggest(corpus: Corpus, *, prefix: str = "") -> str:
    """A free run or checkpoint name that says which corpus it learned: `<prefix><corpus>-<n>`."""
    base = (prefix + (slugify(corpus.name) or "corpus"))[:90]
    n = 1
    while FinetuneRun.objects.filter(run_name=f"{base}-{n}").exists() or Checkpoint.objects.filter(name=f"{base}-{n}").exists():
        n += 1
    return f"{base}-{n}"


class CorpusSelect(forms.Select):
    """Each corpus option carries the name a run of it would get (data-run-name), so the page's suggestion
    follows the corpus picked instead of staying with the first in the list."""

    suggest_prefix = ""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-run-name"] = run_name_suggest(instance, prefix=self.suggest_prefix)
        return option


class MarkovCorpusSelect(CorpusSelect):
    suggest_prefix = "markov-"


class FinetuneForm(forms.Form):
    corpus = forms.ModelChoiceField(
        queryset=Corpus.objects.all(), widget=CorpusSelect, help_text="The training texts the model learns to imitate."
    )
    base_model = forms.ChoiceField(help_text="The GPT-2 model to start from (models/<name> under MODELS_DIR).")
    run_name = forms.CharField(
        max_length=100,
        validators=[model_name_validate],
        widget=forms.TextInput(attrs={"data-suggested-from": "corpus"}),
        help_text="Folder name of the new checkpoint (checkpoint/<run name>); letters, digits, - _ . Follows the corpus picked.",
    )
    steps = forms.IntegerField(
        min_value=1, max_value=1_000_000, initial=1000, help_text="Training steps; a tweet corpus needs roughly 500-2000."
    )
    batch_size = forms.IntegerField(
        min_value=1, max_value=64, initial=1, help_text="1024-token windows per step; more needs more GPU memory."
    )
    learning_rate = forms.FloatField(
        min_value=1e-7, max_value=1e-2, initial=1e-4, help_text="Step size of the optimiser; gpt-2-simple's default is 0.0001."
    )
    sample_every = forms.IntegerField(
        min_value=0, max_value=1_000_000, initial=100, help_text="Write a sample text every N steps to watch it learn (0: never)."
    )
    save_every = forms.IntegerField(
        min_value=1, max_value=1_000_000, initial=500, help_text="Save the weights every N steps, so a stopped run resumes from there."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Checkpoint.objects.filter(kind=Checkpoint.Kind.BASE).order_by("name").values_list("name", flat=True)
        field = self.fields["base_model"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(n, n) for n in names]

    def clean_run_name(self) -> str:
        name = str(self.cleaned_data["run_name"])  # stripped and checked by the field
        if FinetuneRun.objects.filter(run_name=name).exists() or Checkpoint.objects.filter(name=name).exists():
            raise forms.ValidationError(f"There is already a run or checkpoint named {name!r}: pick another name, or resume that run.")
        return name

    def clean_base_model(self) -> str:
        name = str(self.cleaned_data["base_model"])
        model_name_validate(name)  # a base registered under a bad name before names were checked
        try:
            files.model_check(files.base_path(name))
        except files.ModelMissing as exc:
            raise forms.ValidationError(str(exc)) from None
        if files.read_hparams(files.base_path(name)).get("n_ctx") != 1024:
            raise forms.ValidationError("This model's context is not 1024 tokens; gpt-2-simple's finetune needs 1024.")
        return name


class MarkovForm(forms.Form):
    """A Markov chain of any corpus: seconds on the CPU, no GPU and no base model needed."""

    corpus = forms.ModelChoiceField(
        queryset=Corpus.objects.all(), widget=MarkovCorpusSelect, help_text="The texts the chain learns its word sequences from."
    )
    name = forms.CharField(
        max_length=100,
        required=False,
        validators=[model_name_validate],
        widget=forms.TextInput(attrs={"data-suggested-from": "corpus"}),
        help_text="Checkpoint name (markov/<name>.json); empty: named after the corpus.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        corpus = data.get("corpus")
        if corpus is None or "name" in self.errors:
            return data
        name = data.get("name") or run_name_suggest(corpus, prefix="markov-")
        if Checkpoint.objects.filter(name=name).exists():
            self.add_error("name", f"There is already a checkpoint named {name!r}: pick another name.")
        elif not corpus.texts.exists():
            self.add_error("corpus", f"{corpus.name} has no texts to learn from: import some first.")
        data["name"] = name
        return data


class CheckpointSelect(forms.Select):
    """Each option says its kind (data-kind), so the page can switch off what a Markov chain does not use, and the
    account its batches are for by default (data-account: `Checkpoint.default_account`, as `batch_start` picks;
    "" for none), so "For account" can name it."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-kind"] = instance.kind
            account = instance.default_account()  # the accounts are prefetched by the form
            option["attrs"]["data-account"] = account.name if account is not None else ""
        return option


# Sampling settings of GPT-2 only: a Markov chain has no temperature, tokens or prefix. The page switches them
# off (they are then not sent) when a Markov chain is picked, and for a Markov chain they are ignored here too.
GPT2_ONLY = {"temperature": DEFAULT_TEMPERATURE, "top_k": DEFAULT_TOP_K, "top_p": DEFAULT_TOP_P, "length": DEFAULT_LENGTH, "prefix": ""}
_GPT2_ONLY_ATTRS = {"data-gpt2-only": ""}


class BatchForm(forms.Form):
    checkpoint = forms.ModelChoiceField(
        queryset=Checkpoint.objects.prefetch_related("accounts"),
        widget=CheckpointSelect,
        help_text="The model that writes: a finetuned run, a base model, or a Markov chain (which uses none of the GPT-2 settings below).",
    )
    account = forms.ModelChoiceField(
        queryset=GenerationBatch._meta.get_field("account").related_model._default_manager.order_by("name"),
        required=False,
        empty_label="The checkpoint's account",
        label="For account",
        help_text="The posting account its candidates are for (the queue's s schedules there).",
    )
    n_candidates = forms.IntegerField(
        min_value=1, max_value=10_000, initial=100, help_text="How many texts to generate; duplicates and over-long ones are dropped."
    )
    batch_size = forms.IntegerField(
        min_value=1, max_value=512, initial=20, help_text="Texts generated together; must divide the number of candidates."
    )
    temperature = forms.FloatField(
        initial=GPT2_ONLY["temperature"],
        max_value=5.0,
        required=False,
        widget=forms.NumberInput(attrs=_GPT2_ONLY_ATTRS),
        help_text="Randomness: above 0; 0.7 is safe, 1.0 and up is wilder.",
    )
    top_k = forms.IntegerField(
        min_value=0,
        max_value=50_000,
        initial=GPT2_ONLY["top_k"],
        required=False,
        widget=forms.NumberInput(attrs=_GPT2_ONLY_ATTRS),
        help_text="Pick only from the k likeliest next tokens (0: no limit; ignored when top_p is set).",
    )
    top_p = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=GPT2_ONLY["top_p"],
        required=False,
        widget=forms.NumberInput(attrs=_GPT2_ONLY_ATTRS),
        help_text="Pick from the likeliest tokens that make up this much probability (0: off).",
    )
    length = forms.IntegerField(
        min_value=1,
        initial=GPT2_ONLY["length"],
        required=False,
        widget=forms.NumberInput(attrs=_GPT2_ONLY_ATTRS),
        help_text="Most tokens per text; generation stops early once every text has ended.",
    )
    prefix = forms.CharField(  # type: ignore[assignment]  # BaseForm.prefix is the HTML name prefix
        max_length=500,
        required=False,
        strip=False,
        widget=forms.TextInput(attrs=_GPT2_ONLY_ATTRS),
        help_text="Optional words every text starts with.",
    )
    seed = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text="Optional: the same seed and settings give the same texts."
    )
    max_repetition = forms.FloatField(
        required=False,
        min_value=0.0,
        max_value=1.0,
        label="Drop loops above",
        help_text="Optional: drop texts whose share of repeated three-word runs is above this (0.3 drops clear loops); counted as filtered.",
    )

    def clean_temperature(self) -> float | None:
        value = self.cleaned_data["temperature"]
        if value is not None and value <= 0:
            raise forms.ValidationError("Temperature must be above 0: the model divides its scores by it (try 0.7).")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checkpoint = data.get("checkpoint")
        if checkpoint is not None and checkpoint.kind == Checkpoint.Kind.MARKOV:
            # Not used by a Markov chain: whatever came (or did not) is neither refused nor stored.
            for name, default in GPT2_ONLY.items():
                self.errors.pop(name, None)
                data[name] = default
        else:
            for name in GPT2_ONLY.keys() - {"prefix"}:  # the prefix is optional for GPT-2 too
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "This field is required for a GPT-2 model.")
        n, size = data.get("n_candidates"), data.get("batch_size")
        if n and size and n % size:
            self.add_error("batch_size", f"The batch size must divide the number of candidates ({n} is not a multiple of {size}).")
        length = data.get("length")
        if checkpoint is not None and length and checkpoint.kind != Checkpoint.Kind.MARKOV:
            n_ctx = int((checkpoint.hparams or {}).get("n_ctx", 1024))
            # A token is at least one byte, so the prefix's bytes bound its tokens from above.
            used = len((files.START_TOKEN + data.get("prefix", "")).encode())
            if length + used > n_ctx - 1:
                self.add_error(
                    "length", f"Length {length} plus the prefix ({used} tokens at most) is over the model's context of {n_ctx - 1} tokens."
                )
        return data

    def batch_fields(self) -> dict[str, Any]:
        """The cleaned form as generation.services.batch_start takes it (the page and the command share this)."""
        fields = dict(self.cleaned_data)
        account = fields.pop("account", None)
        return {**fields, "account_id": account.pk if account else None}
