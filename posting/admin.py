from django.contrib import admin
from django.db import models

from posting.models import Account, Attempt, DryRunTweet, Mention, Post, Slot


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "publisher", "handle", "paused", "daily_cap"]
    # Credentials are encrypted and never shown back, not even to admins.
    exclude = ["credentials_encrypted"]
    inlines = [SlotInline]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    readonly_fields = ["outcome", "detail", "by", "at"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "text", "scheduled_at", "state", "attempts", "remote_id"]
    list_filter = ["state", "account"]
    raw_id_fields = ["candidate"]
    inlines = [AttemptInline]
    # Django 6's default, chosen here per field (post URLs are https) rather than by the deprecated transitional setting.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["account", "time_of_day", "weekdays"]
    list_filter = ["account"]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["at", "post", "outcome", "detail"]
    list_filter = ["outcome"]
    raw_id_fields = ["post"]


@admin.register(DryRunTweet)
class DryRunTweetAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "text", "in_reply_to_id"]
    list_filter = ["account"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "author_username", "text", "state", "reason", "fetched_at"]
    list_filter = ["state", "account", "simulated"]
    raw_id_fields = ["batch"]
