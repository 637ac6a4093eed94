"""The `dailypapers` command line: parses input, calls the Hub, prints results; exit code 1 on failure."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from tqdm import tqdm

from dailypapers import __version__
from dailypapers.adapters.files import file_size, read_lines
from dailypapers.domain.digest import parse_frequency
from dailypapers.domain.errors import DailyPapersError
from dailypapers.domain.models import ImportReport
from dailypapers.domain.records import FORMATS
from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.settings import CONFIG_ENV, Settings, env_name, load_settings
from dailypapers.wiring import database_is_current, make_hub, migrate_database

app = typer.Typer(
    name="dailypapers",
    help="A self-hostable research-papers hub. Settings come from DAILYPAPERS_* variables (see README).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MAX_REJECTIONS_SHOWN = 20


class _State:
    settings: Settings
    config: Path | None = None


state = _State()


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def _hub() -> Hub:
    return make_hub(state.settings)


def _check_migrated() -> None:
    if not database_is_current(state.settings):
        raise _fail("the database schema is not up to date; run `dailypapers migrate` first")


def _setup_logging() -> None:
    logging.basicConfig(
        level=state.settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.callback()
def main_options(
    db: Annotated[str | None, typer.Option("--db", help="Database URL (overrides DAILYPAPERS_DATABASE_URL).")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML settings file (overrides DAILYPAPERS_CONFIG).")
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"dailypapers {__version__}")
        raise typer.Exit(0)
    try:
        state.settings = load_settings(config_file=config).with_overrides(database_url=db)
        state.config = config
    except DailyPapersError as exc:
        raise _fail(str(exc)) from None


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (safe to run at every start)."""
    migrate_database(state.settings)
    typer.echo(f"database at {state.settings.database_url} is up to date")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="JSON-lines file, plain or .gz.", exists=True, dir_okay=False)],
    format: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)}; detected when omitted.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Import papers (and, for hf-daily files, feed entries) from a file; exit 1 if any line was rejected."""
    if format is not None and format not in FORMATS:
        raise _fail(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    _check_migrated()
    hub = _hub()
    with tqdm(
        total=file_size(path), unit="B", unit_scale=True, desc=path.name, disable=not progress, file=sys.stderr
    ) as bar:
        report = hub.import_lines(read_lines(path, on_bytes=bar.update), format)
    _print_report(report)
    if report.rejected:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    typer.echo(
        f"inserted {report.inserted}, updated {report.updated}, skipped {report.skipped}, "
        f"rejected {len(report.rejected)}; {report.feed_added} added to the daily feed"
    )
    for where, reason in report.rejected[:MAX_REJECTIONS_SHOWN]:
        typer.echo(f"  rejected {where}: {reason}", err=True)
    if len(report.rejected) > MAX_REJECTIONS_SHOWN:
        typer.echo(f"  … and {len(report.rejected) - MAX_REJECTIONS_SHOWN} more", err=True)


@app.command()
def harvest(
    set_spec: Annotated[
        list[str] | None, typer.Option("--set", help="OAI-PMH set(s); default DAILYPAPERS_HARVEST_SETS.")
    ] = None,
) -> None:
    """Harvest new and changed papers from arXiv OAI-PMH (resumes an interrupted harvest)."""
    _setup_logging()
    _check_migrated()
    hub = _hub()

    with tqdm(unit=" papers", desc="harvest", file=sys.stderr) as bar:
        report = hub.harvest(set_spec or None, progress=_Bar(bar))
    _print_report(report)


def _day_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} must be a date like 2026-08-20, not {value[:40]!r}") from None


@app.command()
def sync(
    start: Annotated[str | None, typer.Option("--from", help="First day to backfill, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day to backfill, YYYY-MM-DD (default: today).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Sync the daily feed from the upstreams (DAILYPAPERS_UPSTREAMS): today and the recent days, or with dates a
    backfill of that range (resumable: run it again after an interruption)."""
    _setup_logging()
    first, last = _day_option(start, "--from"), _day_option(end, "--to")
    _check_migrated()
    hub = _hub()
    upstreams = hub.upstream.upstreams
    if not upstreams:
        raise _fail(f"syncing is off: {env_name('upstreams')} is empty")
    days = hub.upstream.plan(first, last)
    with tqdm(
        total=len(days) * len(upstreams), unit=" days", desc="sync", disable=not progress, file=sys.stderr
    ) as bar:
        report = hub.upstream.sync(first, last, progress=_Bar(bar))
    typer.echo(
        f"{report.days} days from {', '.join(upstreams)} ({report.pages} pages): "
        f"{report.entries} entries, {report.added} added, {report.moved} moved, {report.updated} updated; "
        f"{report.new_papers} new papers, {report.completed} completed from arXiv; "
        f"{len(report.rejected)} malformed entries skipped"
    )
    for where, reason in report.rejected[:MAX_REJECTIONS_SHOWN]:
        typer.echo(f"  skipped {where}: {reason}", err=True)
    for where, reason in report.failed:
        typer.echo(f"  failed {where}: {reason}", err=True)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def fetch(
    arxiv_id: Annotated[str, typer.Argument(help="arXiv id or URL, e.g. 2405.15738 or …/abs/2405.15738v2")],
) -> None:
    """Fetch one paper from the arXiv API and store it."""
    _check_migrated()
    hub = _hub()
    paper = hub.fetch_paper(arxiv_id)
    typer.echo(f"{paper.arxiv_id}v{paper.version}: {paper.title}")


@app.command()
def enrich(
    arxiv_ids: Annotated[
        list[str] | None, typer.Argument(help="Papers to enrich now (any id form); none: work through the backlog.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Backlog: at most this many papers of each kind.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """AI summaries, keywords, thumbnails and Hub links: for the papers named, or the backlog (papers on the feed
    first, newest first; resumable). Exit 1 when any paper failed a kind; what succeeded is kept."""
    _setup_logging()
    _check_migrated()
    hub = _hub()
    kinds = hub.enrichment.kinds()
    if not kinds:
        raise _fail("every kind of enrichment is switched off (DAILYPAPERS_ENRICH_* settings)")
    if not hub.enrichment.chat.configured and hub.settings.enrich_summaries:
        typer.echo(f"no AI summaries: {env_name('llm_url')} is not set", err=True)
    ids = arxiv_ids or []
    total = len(ids) * len(kinds) if ids else hub.enrichment.backlog_size()
    try:
        with tqdm(total=total, unit=" steps", desc="enrich", disable=not progress, file=sys.stderr) as bar:
            if ids:
                report = hub.enrichment.enrich(ids, progress=_Bar(bar))
            else:
                report = hub.enrichment.run_backlog(limit=limit, progress=_Bar(bar))
    except DailyPapersError as exc:  # an unknown id or a bad one: said before any work is done
        raise _fail(str(exc)) from None
    done = ", ".join(f"{report.done.get(kind, 0)} {kind}" for kind in kinds)
    skipped = sum(report.skipped.values())
    typer.echo(f"enriched: {done}; {skipped} kept as they were; {len(report.failed)} failed")
    for arxiv_id, kind, reason in report.failed[:MAX_REJECTIONS_SHOWN]:
        typer.echo(f"  failed {kind} {arxiv_id}: {reason}", err=True)
    for kind, reason in report.stopped:
        typer.echo(f"  stopped {kind}: {reason}", err=True)
    if report.failed or report.stopped:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes; above 1 each builds its own app from settings.")] = 1,
) -> None:
    """Serve the web pages (run `dailypapers worker` beside it for harvesting).

    Each process loads its indexes, embedder and templates and renders the hot pages before it binds its socket.
    """
    from dailypapers.web.app import create_app
    from dailypapers.web.serving import run_process, serve_processes

    _setup_logging()
    _check_migrated()
    level = state.settings.log_level.lower()
    access_log = state.settings.access_log
    if workers > 1:
        # Worker processes import the app factory and read settings from the environment: hand the options on.
        os.environ[env_name("database_url")] = state.settings.database_url
        if state.config is not None:
            os.environ[CONFIG_ENV] = str(state.config.resolve())
        serve_processes(host, port, workers, log_level=level, access_log=access_log)
        return
    run_process(create_app(_hub()), host, port, log_level=level, access_log=access_log, reuse_port=False)


@app.command()
def worker() -> None:
    """Run background jobs (the scheduled arXiv harvest) until interrupted."""
    from dailypapers.worker import Worker

    _setup_logging()
    _check_migrated()
    hub = _hub()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    Worker(hub, stop, idle_seconds=state.settings.worker_idle_seconds).run_forever()


@app.command("migrate-data")
def migrate_data(
    source: Annotated[
        str, typer.Option("--from", help="Database URL of the hub to copy, e.g. sqlite:///data/dailypapers.db.")
    ],
    target: Annotated[
        str, typer.Option("--to", help="Database URL of an empty database, e.g. postgresql://…/dailypapers.")
    ],
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Copy every row of a hub into a fresh database (migrated first), then compare row counts; exit 1 if any differ.

    Stop the worker and the web processes (or make the hub read-only) first: rows written during the copy are not
    copied. Search indexes are derived data: rebuild them on the target with `reindex` and `embed`.
    """
    from dailypapers.adapters.sql.copy import copy_database, count_rows
    from dailypapers.adapters.sql.engine import create_engine
    from dailypapers.adapters.sql.migrate import pending_revisions, upgrade
    from dailypapers.domain.errors import StorageError

    src, dst = create_engine(source), create_engine(target)
    try:
        if pending_revisions(src):
            raise _fail("the source database schema is not up to date; run `dailypapers --db SOURCE migrate` first")
        upgrade(dst)
        counts = count_rows(src)
        with tqdm(total=sum(counts.values()), unit=" rows", desc="copy", disable=not progress, file=sys.stderr) as bar:
            try:
                copy_database(src, dst, on_rows=lambda _table, rows: bar.update(rows))
                failed = False
            except StorageError as exc:
                typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
                failed = True
        copied = count_rows(dst)
        width = max(len(name) for name in counts)
        typer.echo(f"{'table':{width}}  {'source':>10}  {'target':>10}")
        for name, rows in counts.items():
            mark = "" if rows == copied.get(name) else "  MISMATCH"
            typer.echo(f"{name:{width}}  {rows:>10}  {copied.get(name, 0):>10}{mark}")
        if failed or any(counts[name] != copied.get(name) for name in counts):
            raise typer.Exit(1)
        typer.echo(f"copied {sum(counts.values())} rows; all counts match")
    finally:
        src.dispose()
        dst.dispose()


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="File to write, e.g. /backups/dailypapers-$(date +%F).backup.")],
) -> None:
    """Write a consistent copy of the database while the hub serves and writes (SQLite backup API / pg_dump)."""
    _check_migrated()
    try:
        report = _hub().backups.backup(path)
    except DailyPapersError as exc:
        raise _fail(str(exc)) from None
    rows = f"{report.total_rows} rows " if report.rows else ""
    typer.echo(
        f"backed up {rows}to {report.path} ({file_size(report.path)} bytes); integrity check: {report.integrity}"
    )


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `dailypapers backup`.")],
) -> None:
    """Load a backup into an empty database (fresh or only migrated), migrate it and check its integrity."""
    try:
        report = _hub().backups.restore(path)
    except DailyPapersError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"restored {report.total_rows} rows from {report.path}; integrity check: {report.integrity}")
    typer.echo("search indexes are derived data: rebuild them with `dailypapers reindex` and `dailypapers embed`")


admin_app = typer.Typer(help="Manage administrators.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Argument(help="Email address of the admin; the account is created when missing.")],
) -> None:
    """Make EMAIL an admin (creating the account; they sign in by emailed link like everyone else)."""
    _check_migrated()
    try:
        user, created = _hub().create_admin(email)
    except DailyPapersError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{'created' if created else 'promoted'} admin @{user.username} <{user.email}>")


class _Bar:
    """Adapts a tqdm bar to the ProgressSink port."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def advance(self, amount: int) -> None:
        self.bar.update(amount)


@app.command()
def reindex(
    vectors: Annotated[bool, typer.Option(help="Also re-embed every paper from scratch.")] = False,
) -> None:
    """Rebuild the keyword index (and with --vectors the vector index) from the database."""
    _check_migrated()
    hub = _hub()
    search = cast(SearchService, hub.search_engine)
    with tqdm(total=hub.store.count_papers(), unit=" papers", desc="reindex", file=sys.stderr) as bar:
        count = search.reindex(progress=_Bar(bar), vectors=vectors)
    hub.freshness.changed()  # cached pages show similar papers from the index
    typer.echo(f"indexed {count} papers")


@app.command()
def embed() -> None:
    """Embed papers whose vectors are missing or stale (resumable: safe to interrupt and run again)."""
    _check_migrated()
    hub = _hub()
    search = cast(SearchService, hub.search_engine)
    if search.embedder is None:
        raise _fail("no embedder configured, or its model is not built yet (run `make models`)")
    with tqdm(total=hub.store.count_papers(), unit=" papers", desc="embed", file=sys.stderr) as bar:
        report = search.backfill(progress=_Bar(bar))
    hub.freshness.changed()
    typer.echo(f"embedded {report.embedded} papers ({report.per_second:.1f} papers/s), {report.unchanged} up to date")


digest_app = typer.Typer(help="Email digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("send")
def digest_send(
    frequency: Annotated[str, typer.Option("--frequency", help="daily (weekdays) or weekly.")] = "daily",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count who would get a mail; store and send nothing.")
    ] = False,
) -> None:
    """Build the latest scheduled digest (once), then deliver what is due, with a progress bar and a summary."""
    _check_migrated()
    hub = _hub()
    freq = parse_frequency(frequency)
    if dry_run:
        run = hub.run_digest(freq, dry_run=True)
        typer.echo(
            f"{freq} digest {run.period}: {run.papers} papers ranked; {run.recipients} subscribers would get a "
            f"mail, {run.nothing_to_send} have nothing new (dry run: nothing stored or sent)"
        )
        return
    digest, created, plan = hub.prepare_digest(freq)
    with tqdm(
        total=hub.pending_deliveries(digest), unit=" mails", desc=f"{freq} {digest.period}", file=sys.stderr
    ) as bar:
        report = hub.deliver_digests(progress=_Bar(bar))
    if report.busy:
        raise _fail("another process is sending digests (lease 'digest-sender'); try again later")
    typer.echo(
        f"{freq} digest {digest.period} ({'new' if created else 'existing'}, {len(digest.paper_ids)} papers): "
        f"{report.sent} sent, {report.deferred} deferred, {report.bounced} bounced, {report.failed} failed, "
        f"{report.skipped} skipped, {plan.nothing_to_send} with nothing new"
    )
    if report.stopped:
        raise _fail(report.stopped)


def main() -> None:
    """Console entry point: domain errors become one line on stderr and exit code 1, never a traceback."""
    try:
        app()
    except DailyPapersError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
