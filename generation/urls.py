from django.urls import URLPattern, URLResolver, include, path

from generation import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("corpora/", include("generation.corpora.urls")),
    path("corpora/", include("generation.nearcopy.urls")),
    path("generation/", views.generation, name="generation"),
    path("generation/finetune/", views.finetune_start, name="generation_finetune_start"),
    path("generation/finetune/<int:pk>/cancel/", views.finetune_cancel, name="generation_finetune_cancel"),
    path("generation/finetune/<int:pk>/resume/", views.finetune_resume, name="generation_finetune_resume"),
    path("generation/batch/", views.batch_start, name="generation_batch_start"),
    path("generation/batch/<int:pk>/cancel/", views.batch_cancel, name="generation_batch_cancel"),
]
