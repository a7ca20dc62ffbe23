from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from posting.fakex import FakeXServer


class Command(BaseCommand):
    help = "Run a fake X API v2 server (create post, get me, a user's posts and mentions) with scriptable faults."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--allow-duplicates", action="store_true", help="Store repeated texts instead of refusing them as X does.")
        parser.add_argument("--verbose", action="store_true", help="Log every request.")

    def handle(self, *args: Any, host: str, port: int, allow_duplicates: bool, verbose: bool, **options: Any) -> None:
        server = FakeXServer(host=host, port=port, reject_duplicates=not allow_duplicates, verbose=verbose)
        self.stdout.write(f"Fake X API listening on {server.url} (set X_API_BASE_URL={server.url}); control under {server.url}/_fake/")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
