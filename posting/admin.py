from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from core.admin import ReadOnlyAdmin
from posting.models import Account, Attempt, DryRunTweet, Mention, Post, Slot


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "publisher", "handle", "paused", "daily_cap"]
    # Credentials are encrypted and never shown back, not even to admins.
    exclude = ["credentials_encrypted"]
    # Django 6's default (server URLs are https), chosen per field rather than by the deprecated transitional setting.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SlotInline]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    readonly_fields = ["outcome", "detail", "by", "at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    """Read-only: a post's state is the exactly-once record of what went out (posting.delivery owns it); the
    Schedule and History pages change what may change (time, order, retry, cancel)."""

    list_display = ["id", "account", "text", "scheduled_at", "state", "attempts", "remote_id"]
    list_filter = ["state", "account"]
    raw_id_fields = ["candidate"]
    inlines = [AttemptInline]
    # Django 6's default, chosen here per field (post URLs are https) rather than by the deprecated transitional setting.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        # A post whose time cannot be read back would make every admin page that loads it fail (see READABLE_FROM).
        return Post.objects.readable()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        hidden = Post.objects.unreadable().count()
        if hidden:
            messages.warning(
                request, f"{hidden} post(s) with a time that cannot be read are not listed: unschedule them on the Schedule page."
            )
        return super().changelist_view(request, extra_context)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["account", "time_of_day", "weekdays"]
    list_filter = ["account"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    """The delivery log."""

    list_display = ["at", "post_id", "outcome", "detail"]
    list_filter = ["outcome"]
    # The post by id, never loaded: a post whose time cannot be read must not break its log's pages.
    exclude = ["post"]
    readonly_fields = ["post_id"]


@admin.register(DryRunTweet)
class DryRunTweetAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "text", "in_reply_to_id"]
    list_filter = ["account"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "author_username", "text", "state", "reason", "fetched_at"]
    list_filter = ["state", "account", "simulated"]
    raw_id_fields = ["batch"]
