from django.urls import URLPattern, path

from core import views, views_people

app_name = "core"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("status/", views.status, name="status"),
    path("people/", views_people.people_page, name="people"),
    path("people/add/", views_people.person_add, name="person_add"),
    path("people/<int:pk>/password/", views_people.person_password, name="person_password"),
    path("people/<int:pk>/role/", views_people.person_role, name="person_role"),
    path("people/<int:pk>/active/", views_people.person_active, name="person_active"),
]
