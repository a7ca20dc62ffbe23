from django.urls import URLPattern, URLResolver, path

from posting import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/<int:pk>/<str:action>/", views.schedule_action, name="schedule-action"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/retry/", views.history_retry, name="history-retry"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("accounts/<int:pk>/credentials/", views.account_credentials, name="account-credentials"),
    path("accounts/<int:pk>/check/", views.account_check, name="account-check"),
    path("accounts/<int:pk>/pause/", views.account_pause, {"action": "pause"}, name="account-pause"),
    path("accounts/<int:pk>/resume/", views.account_pause, {"action": "resume"}, name="account-resume"),
    path("accounts/<int:pk>/slots/", views.slot_add, name="slot-add"),
    path("accounts/<int:pk>/replies/", views.account_replies, name="account-replies"),
    path("accounts/<int:pk>/mentions/simulate/", views.mention_simulate, name="mention-simulate"),
    path("accounts/<int:pk>/slots/<int:slot_pk>/delete/", views.slot_delete, name="slot-delete"),
]
