"""The import nobody has to start: `python -m bot run` watches BOT_IMPORT_DIR.

A file (CSV or `.xlsx`, its first sheet) is imported once it has stopped growing for
STABLE_SECONDS; a `.part` file (a copy still on its way) and hidden or lock files (`.x`, `~$x`)
are left alone. Files go in name order, one at a time, through the importer's one door
(`import_file`). Then the file moves to `selesai/` (imported; rejected rows are listed in the
report) or `ditolak/` (unusable as a whole), with a report beside it (`<name>.laporan.txt`), and
the summary goes to the staff desk through the outbox: the `/meja` group, or each admin in
private. The audit row names the source "folder".

Once, and only once: the database remembers each file's bytes (SHA-256, `storage/folder_imports`).
The same bytes dropped again change nothing (the file is moved, and the desk told it was a
copy). A crash or `kill -9` mid-file leaves the file where it was and its row "running": on start
the file is imported again (rows already applied count as unchanged, so nothing is doubled and no
resident is told twice); the desk's message is queued in the transaction that marks the file
done, with a key that makes it once, and a crash after that only finishes the move. With several
workers (PostgreSQL) only the elected one watches (`may_import`); a file another worker is
importing is left to it while that worker gives signs of life (STALE_AFTER).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot import texts_staff
from bot.domain import markup
from bot.domain.privacy import redacted_traceback
from bot.services import importer
from bot.services.container import Services
from bot.services.import_report import rejected_rows_csv
from bot.services.importer import ImportFileError, ImportSummary, ProgressCallback
from bot.services.outbox import enqueue_desk_note
from bot.services.questions import desk_settings
from bot.services.redaction import redact_file_name
from bot.storage import audit as audit_store
from bot.storage import folder_imports as store
from bot.storage import staff as staff_store
from bot.storage.driver import Conn
from bot.storage.questions import reachable

log = logging.getLogger(__name__)

#: A file is taken once its size and time have not changed for this long.
STABLE_SECONDS = 2.0
POLL_SECONDS = 1.0
#: PostgreSQL: a file whose importer gave no sign of life for this long is taken over.
STALE_AFTER = timedelta(seconds=60)
DONE_FOLDER = "selesai"
REFUSED_FOLDER = "ditolak"
REPORT_SUFFIX = ".laporan.txt"
#: Files still on their way (a copy writes NAME.part, then renames it).
IN_TRANSIT_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload")
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
#: The outbox kind of a desk message about a file of the folder.
KIND_DESK = "folder_import"
#: The audit row's detail: the import came from the folder.
AUDIT_SOURCE = "folder"


async def import_file(
    services: Services,
    path: Path,
    *,
    source_name: str,
    actor_id: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    """The importer's one door for a file of the folder, CSV or `.xlsx` (its first sheet):
    `importer.import_file`, which tells the two apart by their first bytes."""
    return await importer.import_file(
        services, path, source_name=source_name, actor_id=actor_id, on_progress=on_progress
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def waits(name: str) -> bool:
    """A name the folder leaves alone: hidden, an office lock file, a copy on its way."""
    lower = name.lower()
    return name.startswith((".", "~$")) or lower.endswith(IN_TRANSIT_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one file: where it went and what the desk was told."""

    name: str
    folder: str  # DONE_FOLDER or REFUSED_FOLDER
    target: Path
    summary: ImportSummary | None = None
    reason: str | None = None  # refused as a whole: why
    copy_of: str | None = None  # the same bytes were imported before, under this name


class FolderWatcher:
    """Polls the folder every POLL_SECONDS while `may_import()`; `start()` / `stop()`."""

    def __init__(
        self,
        services: Services,
        folder: Path,
        *,
        may_import: Callable[[], bool] = lambda: True,
        poll: float = POLL_SECONDS,
        stable: float = STABLE_SECONDS,
    ) -> None:
        self.services = services
        self.folder = folder
        self.may_import = may_import
        self.poll = poll
        self.stable = stable
        self.owner = secrets.token_hex(8)
        self._task: asyncio.Task[None] | None = None
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> size, mtime, since
        #: Files that could not be read, with their size and time then: skipped (said once)
        #: until they change, so they do not hold up the files after them.
        self._broken: dict[str, tuple[int, int]] = {}
        #: Every file handled, in order (tests and the log read it).
        self.handled: list[Outcome] = []

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        for sub in ("", DONE_FOLDER, REFUSED_FOLDER):
            try:
                (self.folder / sub).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.error("BOT_IMPORT_DIR %s cannot be used: %s", self.folder, exc)
                return
        self._task = asyncio.create_task(self._run(), name="folder-import")
        log.info("watching %s for imports", self.folder)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            handled = False
            try:
                if self.may_import():
                    handled = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a cell's digits may be in the message
                log.error("folder import failed; next round\n%s", redacted_traceback(exc))
            if not handled:
                await asyncio.sleep(self.poll)

    def _candidates(self) -> list[Path]:
        try:
            entries = sorted(self.folder.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            log.warning("cannot read %s: %s", self.folder, exc)
            return []
        return [p for p in entries if not waits(p.name) and p.is_file()]

    async def tick(self) -> bool:
        """Handle the first file in name order once it is stable; True when one was handled."""
        now = time.monotonic()
        first: Path | None = None
        names = set()
        for path in self._candidates():
            try:
                info = path.stat()
            except OSError:
                continue
            names.add(path.name)
            key = (info.st_size, info.st_mtime_ns)
            if self._broken.get(path.name) == key:
                continue
            seen = self._seen.get(path.name)
            if seen is None or seen[:2] != key:
                self._seen[path.name] = (*key, now)
            if first is None:
                first = path
        for gone in set(self._seen) - names:
            del self._seen[gone]
        if first is None or now - self._seen[first.name][2] < self.stable:
            return False  # name order: the first file is awaited before any later one
        outcome = await self.handle(first)
        self._seen.pop(first.name, None)
        if outcome is not None:
            self.handled.append(outcome)
        return outcome is not None

    async def handle(self, path: Path) -> Outcome | None:
        """Import one stable file (or finish what a crash left), move it, tell the desk."""
        svc = self.services
        try:
            digest = await asyncio.to_thread(_sha256, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                info = path.stat()
                self._broken[path.name] = (info.st_size, info.st_mtime_ns)
            log.warning("cannot read %s: %s", redact_file_name(path.name), exc)
            return None
        kept = redact_file_name(path.name)
        now = svc.clock.now()
        row = await store.get(svc.db.conn, digest)
        if row is not None and row.state == store.DONE and row.moved and row.outcome != DONE_FOLDER:
            async with svc.db.transaction() as conn:  # refused before, changed nothing: again
                if not await store.again(conn, digest, self.owner, now):
                    return None
            return await self._import(path, digest, kept, resumed=False)
        if row is not None and row.state == store.DONE:
            folder = row.outcome or DONE_FOLDER
            target = self._target(path, folder, digest)
            if not row.moved:  # a crash after the desk was told: finish the move, say nothing
                await self._move(path, target, digest, report=None)
                return Outcome(kept, folder, target)
            target = self._target(path, DONE_FOLDER, digest)
            outcome = Outcome(kept, DONE_FOLDER, target, copy_of=row.name)
            dropped = path.stat()  # this drop of the copy: told once, even after a crash
            key = f"copy:{dropped.st_mtime_ns}:{dropped.st_size}"
            await self._tell(digest, outcome, key=key, import_id=None)
            await self._move(path, target, digest, report=_report(outcome_text(outcome)))
            return outcome
        resumed = False
        if row is None:
            async with svc.db.transaction() as conn:
                taken = await store.start(conn, digest, kept, self.owner, now)
        else:
            stale = None if svc.settings.database_url is None else now - STALE_AFTER
            async with svc.db.transaction() as conn:
                taken = await store.take_over(conn, digest, self.owner, now, stale)
            resumed = row.owner != self.owner
        if not taken:
            return None  # another worker has it
        outcome = await self._import(path, digest, kept, resumed)
        return outcome

    async def _import(self, path: Path, digest: str, kept: str, resumed: bool) -> Outcome:
        svc = self.services

        async def alive(done: int, total: int) -> None:
            async with svc.db.transaction() as conn:
                await store.heartbeat(conn, digest, self.owner, svc.clock.now())

        summary: ImportSummary | None = None
        reason: str | None = None
        suffix = path.suffix.lower()
        if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
            reason = texts_staff.folder_not_a_table(suffix or path.name)
        else:
            try:
                summary = await import_file(svc, path, source_name=path.name, on_progress=alive)
            except ImportFileError as exc:
                reason = exc.reason
        folder = REFUSED_FOLDER if summary is None else DONE_FOLDER
        target = self._target(path, folder, digest)
        outcome = Outcome(kept, folder, target, summary=summary, reason=reason)
        report = _report(outcome_text(outcome, resumed=resumed))
        # The report first (rewritten whole if a crash repeats this), then the desk and the
        # row in one transaction, then the move.
        await asyncio.to_thread(self._write_reports, path, target, report, summary)
        await self._tell(
            digest,
            outcome,
            key="done",
            import_id=summary.import_id if summary is not None else None,
            resumed=resumed,
        )
        await self._move(path, target, digest, report=None)
        return outcome

    def _target(self, path: Path, folder: str, digest: str) -> Path:
        """Where the file goes: its own name, or (taken) its name with the start of its digest."""
        place = self.folder / folder
        place.mkdir(exist_ok=True)  # (someone may have removed it)
        target = place / path.name
        if not target.exists():
            return target
        target = place / f"{path.stem}-{digest[:8]}{path.suffix}"
        count = 2
        while target.exists():
            target = place / f"{path.stem}-{digest[:8]}-{count}{path.suffix}"
            count += 1
        return target

    @staticmethod
    def _write_reports(
        path: Path, target: Path, report: str, summary: ImportSummary | None
    ) -> None:
        target.with_name(target.name + REPORT_SUFFIX).write_text(report, encoding="utf-8")
        if summary is not None and summary.rejected:  # CSV or a workbook: the same report
            rows = rejected_rows_csv(
                path.read_bytes(), summary.errors, texts_staff.IMPOR_REPORT_HEADER
            )
            target.with_name(f"{target.stem}.ditolak.csv").write_bytes(rows)

    async def _move(self, path: Path, target: Path, digest: str, *, report: str | None) -> None:
        if report is not None:
            await asyncio.to_thread(
                target.with_name(target.name + REPORT_SUFFIX).write_text, report, encoding="utf-8"
            )
        await asyncio.to_thread(os.replace, path, target)
        async with self.services.db.transaction() as conn:
            await store.moved(conn, digest, self.services.clock.now())

    async def _tell(
        self,
        digest: str,
        outcome: Outcome,
        *,
        key: str,
        import_id: int | None,
        resumed: bool = False,
    ) -> None:
        """Mark the file done, audit it and queue the desk's message: one transaction."""
        svc = self.services
        now = svc.clock.now()
        # the sentence in the texts' own markup; the desk's channel renders it when sending
        text = outcome_text(outcome, resumed=resumed, html=True)
        async with svc.db.transaction() as conn:
            if outcome.copy_of is None:
                await store.finish(conn, digest, outcome.folder, import_id, now)
            summary = outcome.summary
            await audit_store.add(
                conn,
                now=now,
                actor_id=None,
                action=audit_store.IMPORT,
                target=outcome.name,
                new=(
                    texts_staff.audit_import_counts(
                        summary.rows_read,
                        summary.new,
                        summary.changed,
                        summary.unchanged,
                        summary.rejected,
                    )
                    if summary is not None
                    else texts_staff.folder_audit_not_imported(outcome.copy_of is not None)
                ),
                detail=AUDIT_SOURCE,
            )
            await enqueue_desk_note(
                conn,
                kind=KIND_DESK,
                chat_ids=await desk_chats(conn, svc.settings.admin_ids),
                text=text,
                key=f"folder:{digest}:{key}",
                now=now,
            )
        svc.wake_outbox()
        log.info("folder import of %s: %s", outcome.name, outcome.folder)


def outcome_text(outcome: Outcome, *, resumed: bool = False, html: bool = False) -> str:
    """What became of a file, for the desk (marked text, `html=True`) and the report beside it
    (plain)."""
    summary = outcome.summary
    body: str | None = None
    if summary is not None:
        body = summary.text()
        errors = summary.errors_text(limit=10 if html else len(summary.errors))
        if errors:
            body += "\n\n" + errors
    text = texts_staff.folder_outcome(
        name=outcome.name,
        folder=outcome.folder,
        moved_to=redact_file_name(outcome.target.name),  # a NIK in a name stays out
        summary=body,
        reason=outcome.reason,
        copy_of=outcome.copy_of,
        resumed=resumed,
    )
    return text if html else markup.plain(text)


def _report(outcome: str) -> str:
    """The report file written beside a file of the import folder (plain text)."""
    return outcome + "\n"


async def desk_chats(conn: Conn, admin_ids: frozenset[int]) -> list[int]:
    """The staff desk for import reports: the `/meja` group, or each admin in private."""
    settings = await desk_settings(conn)
    if settings.group_id is not None and await reachable(conn, settings.group_id):
        return [settings.group_id]
    admins = set(admin_ids) | await staff_store.admin_ids(conn)
    return [a for a in sorted(admins) if await reachable(conn, a)]
