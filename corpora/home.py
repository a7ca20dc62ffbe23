"""What corpora adds to the home page (registered in CorporaConfig.ready)."""

from core.home import Fact, Step
from corpora.models import Corpus


def setup_step() -> Step:
    return Step(
        order=10,
        title="Import a corpus",
        how="Upload the tweets the bot should sound like (CSV, text, JSON, an X archive).",
        done=Corpus.objects.exists(),
        url_name="corpora:list",
        role="owner",
    )


def facts() -> list[Fact]:
    return [Fact(order=60, label="corpora", value=str(Corpus.objects.count()), url_name="corpora:list", role="owner")]
