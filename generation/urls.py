from django.urls import URLPattern, path

from generation import views

app_name = "generation"
urlpatterns: list[URLPattern] = [
    path("", views.generation, name="generation"),
    path("finetune/", views.finetune_start, name="finetune_start"),
    path("finetune/<int:pk>/cancel/", views.finetune_cancel, name="finetune_cancel"),
    path("finetune/<int:pk>/resume/", views.finetune_resume, name="finetune_resume"),
    path("batch/", views.batch_start, name="batch_start"),
    path("markov/", views.markov_create, name="markov_create"),
    path("batch/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
]
