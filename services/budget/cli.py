"""`python -m services.budget.cli bootstrap [--scale N] [--database-url URL]`: load the sample region once
(idempotent, fast: COPY); `import FILE`: import budget lines (CSV or JSON), all or nothing;
`publish-institutions`: put every institution's upserted event in the outbox again."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from services.common import logs
from services.common.db import make_engine, make_session_factory, transaction
from services.common.settings import Settings

from . import config, loader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.budget.cli")
    parser.add_argument("--database-url", help="another database (e.g. a --scale 10 benchmark copy)")
    sub = parser.add_subparsers(dest="command", required=True)
    boot = sub.add_parser("bootstrap", help="load the sample region (skipped when already loaded)")
    boot.add_argument("--scale", type=int, default=1, help="multiply the number of institutions")
    sub.add_parser("publish-institutions",
                   help="publish institution_upserted for every institution again (a consumer lost its copy)")
    imp = sub.add_parser("import", help="import budget lines from a CSV or JSON file (all or nothing)")
    imp.add_argument("file")
    imp.add_argument("--format", choices=("csv", "json"), help="default: from the file name")
    args = parser.parse_args(argv)

    settings = Settings.for_service("budget")
    logs.configure("budget-cli", settings.log_level)
    engine = make_engine(args.database_url or settings.database_url)
    sessions = make_session_factory(engine)
    if args.command == "bootstrap":
        result = loader.load_sample(engine, sessions, config.thresholds(), scale=args.scale)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    if args.command == "publish-institutions":
        with transaction(sessions) as session:
            print(json.dumps({"published": loader.publish_all_institutions(session)}))
        return 0
    from . import importer
    from .cache import Cache
    fmt = args.format or ("json" if args.file.endswith(".json") else "csv")
    with open(args.file, "rb") as f:
        content = f.read()
    try:
        result = importer.import_file(sessions, content, fmt, actor="cli", thresholds=config.thresholds(),
                                      cache=Cache.from_url(settings.redis_url))
    except importer.ImportRejected as exc:
        print(json.dumps({"rejected": True, "errors": exc.errors}, ensure_ascii=False, indent=1), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    logging.basicConfig()
    sys.exit(main())
