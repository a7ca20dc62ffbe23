"""What generation adds to the home page (registered in GenerationConfig.ready)."""

from core.home import Fact, Step
from generation.models import ACTIVE, Checkpoint, FinetuneRun, GenerationBatch, Status


def model_step() -> Step:
    trained = Checkpoint.objects.exclude(kind=Checkpoint.Kind.BASE).exists()
    return Step(
        order=20,
        title="Get a model",
        how="Finetune GPT-2 on the corpus (GPU), or build a Markov chain of it in seconds (CPU).",
        done=trained,
        url_name="generation:generation",
        role="owner",
    )


def generate_step() -> Step:
    return Step(
        order=30,
        title="Generate candidates",
        how="Start a batch: its texts go straight into the review queue.",
        done=GenerationBatch.objects.filter(status=Status.SUCCEEDED, kept_count__gt=0).exists(),
        url_name="generation:generation",
        role="owner",
    )


def facts() -> list[Fact]:
    runs = FinetuneRun.objects.filter(status__in=ACTIVE).count()
    batches = GenerationBatch.objects.filter(status__in=ACTIVE).count()
    detail = f"{runs} finetune{'s' if runs != 1 else ''}, {batches} batch{'es' if batches != 1 else ''}" if runs + batches else ""
    return [Fact(order=40, label="running jobs", value=str(runs + batches), url_name="generation:generation", role="owner", detail=detail)]
