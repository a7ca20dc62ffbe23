from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "queues", "seen_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, changed only by the services that own the rows (superusers included).

    For audit logs (a decision, a delivery attempt) and for rows whose every field belongs to a state machine or
    is derived from another field (a candidate's weighted length and near-copy verdict follow its text).
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
