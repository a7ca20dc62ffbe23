"""The corpus pages: list, upload, detail (report, preview, texts) and the export downloads."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from corpora.cleaning import RULES
from corpora.models import Corpus
from corpora.services import corpus_import
from tests.support import corpora as samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path: Path, owner: User) -> Corpus:
    return corpus_import(name="bot", path_or_file=samples.write_trump_json(tmp_path / "trump.json"), options={}, by=owner).corpus


def page_urls(corpus: Corpus) -> list[str]:
    return [
        reverse("corpora:list"),
        reverse("corpora:upload"),
        reverse("corpora:detail", args=[corpus.pk]),
        reverse("corpora:export_csv", args=[corpus.pk]),
        reverse("corpora:export_txt", args=[corpus.pk]),
    ]


def upload_data(name: str, content: bytes, filename: str, **rules: bool) -> dict[str, object]:
    data: dict[str, object] = {"name": name, "format": "", "delimiter": "", "file": SimpleUploadedFile(filename, content)}
    for rule in RULES:
        if rules.get(rule.option, rule.default):
            data[rule.option] = "on"
    return data


def test_it_requires_login(client: Client, corpus: Corpus) -> None:
    for url in page_urls(corpus):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_curators_and_outsiders_are_refused(curator_client: Client, outsider_client: Client, corpus: Corpus) -> None:
    for client in (curator_client, outsider_client):
        for url in page_urls(corpus):
            assert client.get(url).status_code == 403
        response = client.post(reverse("corpora:upload"), upload_data("x", b"tweets\nhi\n", "t.csv"))
        assert response.status_code == 403
    assert Corpus.objects.count() == 1


def test_the_list_shows_each_corpus_with_its_counts(owner_client: Client, corpus: Corpus) -> None:
    html = owner_client.get(reverse("corpora:list")).content.decode()

    assert reverse("corpora:detail", args=[corpus.pk]) in html
    assert "Trump Twitter Archive JSON" in html and ">13<" in html and "<strong>5</strong>" in html
    assert f'href="{reverse("corpora:upload")}"' in html


def test_the_navigation_offers_corpora_to_owners(owner_client: Client) -> None:
    assert f'<a href="{reverse("corpora:list")}"' in owner_client.get(reverse("core:home")).content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_upload_form_has_every_rule_on_by_default(owner_client: Client, htmx: bool, htmx_headers: dict[str, str]) -> None:
    response = owner_client.get(reverse("corpora:upload"), **(htmx_headers if htmx else {}))

    html = response.content.decode()
    assert response.status_code == 200
    assert ("<html" in html) is not htmx
    assert 'enctype="multipart/form-data"' in html and 'hx-encoding="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    for rule in RULES:
        assert f'name="{rule.option}" aria-describedby="id_{rule.option}_helptext" id="id_{rule.option}" checked' in html


def test_an_upload_imports_and_shows_the_report(owner_client: Client, owner: User, tmp_path: Path) -> None:
    content = samples.write_trump_json(tmp_path / "trump.json").read_bytes()

    response = owner_client.post(reverse("corpora:upload"), upload_data("bot", content, "trump.json"))

    corpus = Corpus.objects.get(name="bot")
    assert response.status_code == 302 and response["Location"] == reverse("corpora:detail", args=[corpus.pk])
    assert (corpus.created_by, corpus.read_count, corpus.kept_count) == (owner, 13, 5)
    html = owner_client.get(response["Location"]).content.decode()
    assert "Imported &quot;bot&quot;: kept 5 of 13 texts." in html
    for key in samples.RULE_KEYS:
        rule = next(r for r in RULES if r.key == key)
        assert f'<tr data-rule="{key}"><td>{rule.label}</td>' in html
        assert f"{samples.EXPECTED_FLAGGED[key]} {rule.kind}" in html
    # The preview: the first kept texts and the first text each rule removed or changed.
    assert "RT @bob: something nice" in html and ".@carol @dave" in html
    assert "Fish &amp;amp; chips" in html  # the original, escaped
    assert reverse("corpora:export_csv", args=[corpus.pk]) in html and reverse("corpora:export_txt", args=[corpus.pk]) in html


def test_an_htmx_upload_redirects_the_browser_to_the_report(owner_client: Client, htmx_headers: dict[str, str], tmp_path: Path) -> None:
    content = samples.write_csv(tmp_path / "t.csv").read_bytes()

    response = owner_client.post(reverse("corpora:upload"), upload_data("bot", content, "t.csv"), **htmx_headers)

    corpus = Corpus.objects.get(name="bot")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("corpora:detail", args=[corpus.pk])
    assert corpus.kept_count == 7


def test_unticked_rules_are_switched_off(owner_client: Client, tmp_path: Path) -> None:
    content = samples.write_csv(tmp_path / "t.csv").read_bytes()

    owner_client.post(reverse("corpora:upload"), upload_data("bot", content, "t.csv", drop_replies=False, drop_duplicates=False))

    corpus = Corpus.objects.get(name="bot")
    assert corpus.options["drop_replies"] is False and corpus.options["drop_retweets"] is True
    assert corpus.counts["replies"] == 0 and corpus.counts["duplicates"] == 0
    assert corpus.kept_count == 10
    html = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    assert '<tr data-rule="replies"><td>Replies</td>' in html and '<span class="muted">off</span>' in html


def test_the_detail_page_escapes_texts_and_pages_them_with_htmx(
    owner_client: Client, owner: User, tmp_path: Path, htmx_headers: dict[str, str]
) -> None:
    path = tmp_path / "t.txt"
    path.write_text("".join(f"<script>alert({i})</script> number {i}\n" for i in range(120)), encoding="utf-8")
    corpus = corpus_import(name="many", path_or_file=path, options={}, by=owner).corpus
    url = reverse("corpora:detail", args=[corpus.pk])

    page = owner_client.get(url).content.decode()
    part = owner_client.get(url + "?page=3", **htmx_headers).content.decode()

    assert "<script>alert" not in page and "&lt;script&gt;alert(0)&lt;/script&gt; number 0" in page
    assert "number 49<" in page and "number 50<" not in page
    assert '<section class="card" id="corpus-texts">' in part and "<html" not in part and "Import summary" not in part
    assert "number 100<" in part and "number 119<" in part and "Page 3 of 3" in part


def test_the_detail_page_shows_the_near_copy_panel_with_its_thresholds(owner_client: Client, corpus: Corpus) -> None:
    page = owner_client.get(reverse("corpora:detail", args=[corpus.pk])).content.decode()
    panel_url = reverse("corpora:nearcopy_panel", args=[corpus.pk])
    assert f'hx-get="{panel_url}"' in page and 'hx-trigger="load"' in page
    panel = owner_client.get(panel_url, HTTP_HX_REQUEST="true").content.decode()
    assert f"edit similarity ≥ {settings.NEARCOPY_EDIT_RATIO:g}" in panel
    assert f"a run of ≥ {settings.NEARCOPY_SPAN_WORDS} words" in panel


def test_an_unknown_corpus_is_not_found(owner_client: Client) -> None:
    assert owner_client.get(reverse("corpora:detail", args=[999])).status_code == 404
    assert owner_client.get(reverse("corpora:export_csv", args=[999])).status_code == 404


def test_the_csv_download_is_gpt2_simples_training_file(owner_client: Client, corpus: Corpus) -> None:
    response = owner_client.get(reverse("corpora:export_csv", args=[corpus.pk]))

    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bot.csv"'
    assert body.split("\n", 1)[0] == "text"
    assert [row[0] for row in csv.reader(io.StringIO(body))][1:] == samples.KEPT_FLAGGED
    assert '"line one\nline two"' in body


def test_the_text_download_separates_texts_with_a_delimiter_line(owner_client: Client, corpus: Corpus) -> None:
    response = owner_client.get(reverse("corpora:export_txt", args=[corpus.pk]))

    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == 'attachment; filename="bot.txt"'
    assert body == "\n==========\n".join(samples.KEPT_FLAGGED) + "\n"


def test_pages_refuse_other_methods(owner_client: Client, corpus: Corpus) -> None:
    assert owner_client.post(reverse("corpora:list")).status_code == 405
    assert owner_client.post(reverse("corpora:detail", args=[corpus.pk])).status_code == 405
