import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corpora.cleaning import KEEP_SELF_REPLIES, KEEP_SELF_REPLIES_HELP, RULES
from corpora.formats import FORMATS
from corpora.services import CorpusImportError, corpus_import

# The switches download_tweets users know, then one per remaining rule.
KEEP_FLAGS = {
    "drop_too_long": "--keep-too-long",
    "drop_retweets": "--keep-retweets",
    "drop_replies": "--keep-replies",
    "remove_urls": "--keep-urls",
    "unescape_html": "--keep-html-entities",
    "normalise_whitespace": "--keep-whitespace",
    "drop_empty": "--keep-empty",
    "drop_duplicates": "--keep-duplicates",
}


class Command(BaseCommand):
    help = "Import a corpus file (format detected unless given), clean it, and print what each rule did."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the corpus file")
        parser.add_argument("--name", required=True, help="name of the new corpus (unique)")
        # Not argparse choices: an unknown format gets the same message as on the upload page.
        parser.add_argument("--format", default=None, help=f"one of {', '.join(FORMATS)} (default: detect)")
        parser.add_argument("--delimiter", default=None, help="the line between texts, for the delimited format (default: detect)")
        for rule in RULES:
            parser.add_argument(KEEP_FLAGS[rule.option], dest=rule.option, action="store_false", help=f"switch off: {rule.help}")
        parser.add_argument("--keep-self-replies", dest=KEEP_SELF_REPLIES, action="store_true", help=KEEP_SELF_REPLIES_HELP)
        parser.add_argument("--max-bytes", type=int, default=None, help="size limit (default: settings.CORPUS_MAX_UPLOAD_BYTES)")
        parser.add_argument("--max-text-chars", type=int, default=None, help="longest text kept (default: settings.CORPUS_MAX_TEXT_CHARS)")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        rule_options: dict[str, Any] = {rule.option: options[rule.option] for rule in RULES}
        rule_options[KEEP_SELF_REPLIES] = options[KEEP_SELF_REPLIES]
        if options["delimiter"]:
            rule_options["delimiter"] = options["delimiter"]
        try:
            summary = corpus_import(
                name=options["name"],
                path_or_file=options["path"],
                format=options["format"],
                options=rule_options,
                by=None,
                max_bytes=options["max_bytes"],
                max_text_chars=options["max_text_chars"],
            )
        except CorpusImportError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write("\n".join(summary.lines()))
