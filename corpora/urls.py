from django.urls import URLPattern, path

from corpora import views
from corpora.nearcopy import views as nearcopy_views

app_name = "corpora"
urlpatterns: list[URLPattern] = [
    path("", views.corpora, name="list"),
    path("upload/", views.corpus_upload, name="upload"),
    path("<int:pk>/", views.corpus_detail, name="detail"),
    path("<int:pk>/rename/", views.corpus_rename, name="rename"),
    path("<int:pk>/delete/", views.corpus_delete, name="delete"),
    path("<int:pk>/export.csv", views.corpus_export, {"as_": "csv"}, name="export_csv"),
    path("<int:pk>/export.txt", views.corpus_export, {"as_": "txt"}, name="export_txt"),
    path("<int:corpus_id>/nearcopy/", nearcopy_views.nearcopy_panel, name="nearcopy_panel"),
    path("<int:corpus_id>/nearcopy/try/", nearcopy_views.nearcopy_try, name="nearcopy_try"),
]
