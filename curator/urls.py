from django.urls import URLPattern, path

from curator import views_candidates, views_queue

app_name = "curator"
urlpatterns: list[URLPattern] = [
    path("queue/", views_queue.queue, name="queue"),
    path("queue/renew/", views_queue.queue_renew, name="queue_renew"),
    path("queue/length/", views_queue.queue_length, name="queue_length"),
    path("queue/undo/", views_queue.queue_undo, name="queue_undo"),
    path("queue/choice/", views_queue.queue_choice, name="queue_choice"),
    path("queue/<int:pk>/approve/", views_queue.queue_approve, name="queue_approve"),
    path("queue/<int:pk>/reject/", views_queue.queue_reject, name="queue_reject"),
    path("queue/<int:pk>/reject-similar/", views_queue.queue_reject_similar, name="queue_reject_similar"),
    path("queue/<int:pk>/schedule/", views_queue.queue_schedule, name="queue_schedule"),
    path("queue/<int:pk>/skip/", views_queue.queue_skip, name="queue_skip"),
    path("queue/<int:pk>/edit/", views_queue.queue_edit, name="queue_edit"),
    path("candidates/", views_candidates.candidates, name="candidates"),
    path("candidates/bulk/", views_candidates.candidates_bulk, name="candidates_bulk"),
    path("candidates/<int:pk>/", views_candidates.candidate_detail, name="candidate"),
    path("decisions/", views_candidates.decision_history, name="decision_history"),
    path("stats/", views_candidates.stats, name="stats"),
]
