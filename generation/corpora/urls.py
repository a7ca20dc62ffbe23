from django.urls import URLPattern, path

from generation.corpora import views

urlpatterns: list[URLPattern] = [
    path("", views.corpora, name="corpora"),
    path("upload/", views.corpus_upload, name="corpus_upload"),
    path("<int:pk>/", views.corpus_detail, name="corpus_detail"),
    path("<int:pk>/export.csv", views.corpus_export, {"as_": "csv"}, name="corpus_export_csv"),
    path("<int:pk>/export.txt", views.corpus_export, {"as_": "txt"}, name="corpus_export_txt"),
]
