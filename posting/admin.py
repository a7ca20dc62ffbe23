from django.contrib import admin

from posting.models import Account, Mention, Post, Slot


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "publisher", "handle", "paused", "daily_cap"]
    # Credentials are encrypted and never shown back, not even to admins.
    exclude = ["credentials_encrypted"]
    inlines = [SlotInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "text", "scheduled_at", "state", "attempts", "remote_id"]
    list_filter = ["state", "account"]
    raw_id_fields = ["candidate"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "author_username", "text", "state", "reason", "fetched_at"]
    list_filter = ["state", "account", "simulated"]
    raw_id_fields = ["batch"]
