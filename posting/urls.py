from django.urls import URLPattern, path

from posting import views, views_calendar, views_ready

app_name = "posting"
urlpatterns: list[URLPattern] = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/<int:pk>/unreadable/", views.schedule_unreadable, name="schedule_unreadable"),
    path("schedule/<int:pk>/<str:action>/", views.schedule_action, name="schedule_action"),
    path("ready/", views_ready.ready, name="ready"),
    path("ready/<int:pk>/<str:action>/", views_ready.ready_action, name="ready_action"),
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/<int:pk>/move/", views_calendar.calendar_move, name="calendar_move"),
    path("calendar/<int:pk>/<str:action>/", views_calendar.calendar_action, name="calendar_action"),
    path("history/", views.post_history, name="post_history"),
    path("history/<int:pk>/retry/", views.history_retry, name="history_retry"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("accounts/<int:pk>/credentials/", views.account_credentials, name="account_credentials"),
    path("accounts/<int:pk>/check/", views.account_check, name="account_check"),
    path("accounts/<int:pk>/pause/", views.account_pause, {"action": "pause"}, name="account_pause"),
    path("accounts/<int:pk>/resume/", views.account_pause, {"action": "resume"}, name="account_resume"),
    path("accounts/<int:pk>/slots/", views.slot_add, name="slot_add"),
    path("accounts/<int:pk>/replies/", views.account_replies, name="account_replies"),
    path("accounts/<int:pk>/mentions/simulate/", views.mention_simulate, name="mention_simulate"),
    path("accounts/<int:pk>/slots/<int:slot_pk>/delete/", views.slot_delete, name="slot_delete"),
]
