from django.urls import URLPattern, path

from core import views

app_name = "core"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("status/", views.status, name="status"),
]
