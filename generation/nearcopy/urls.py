"""Near-copy panel of a corpus. Included by the lead under corpora/: /corpora/<id>/nearcopy/."""

from django.urls import path

from generation.nearcopy import views

urlpatterns = [
    path("<int:corpus_id>/nearcopy/", views.nearcopy_panel, name="nearcopy_panel"),
    path("<int:corpus_id>/nearcopy/try/", views.nearcopy_try, name="nearcopy_try"),
]
