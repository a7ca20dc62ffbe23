"""The demo writes a tiny base model when none exists, so an offline owner can start a real finetune."""

from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from generation.demo import DEMO_BASE_MODEL, demo_base_model
from generation.models import Checkpoint

pytestmark = pytest.mark.django_db


def test_the_finetune_form_says_how_to_get_a_base_model_when_there_is_none(owner_client: Client) -> None:
    html = owner_client.get(reverse("generation:generation")).content.decode()
    assert "No base model yet" in html and "make_tiny_model" in html


@pytest.mark.slow
def test_the_demo_step_writes_a_tiny_base_model_once(tmp_path: Path, owner_client: Client) -> None:
    with override_settings(MODELS_DIR=tmp_path):
        assert "wrote a tiny random GPT-2 base model" in demo_base_model()
        assert (tmp_path / "models" / DEMO_BASE_MODEL / "hparams.json").exists()
        assert Checkpoint.objects.filter(kind=Checkpoint.Kind.BASE, name=DEMO_BASE_MODEL).count() == 1
        assert "is registered" in demo_base_model()
        html = owner_client.get(reverse("generation:generation")).content.decode()
    assert "No base model yet" not in html
    assert f'<option value="{DEMO_BASE_MODEL}"' in html
