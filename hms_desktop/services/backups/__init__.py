"""Backups the admin can trust: taken, verified, kept, restored (SQLite), dumped and test-restored
(PostgreSQL). ``BackupService`` is the use cases; the modules beside it do the file work."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ...models import ClinicSetting
from ...paths import data_dir
from .. import desk_sessions
from ..errors import ValidationError
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from . import backup_log, pg_backup
from .backup_log import BackupEntry
from .retention import Retention, to_keep
from .sqlite_backup import Verification, copy_into, take_backup, verify_backup

SETTINGS_KEY = "backups"
NAME_FORMAT = "%Y%m%d-%H%M%S-%f"
BACKUP_SUFFIXES = (".sqlite3", ".sqlite", ".db", ".dump")
# A daily backup is due once the last verified one is this old (a little under a day, so a desk
# started at the same time each morning backs up each morning).
SCHEDULE_GAP = timedelta(hours=20)


@dataclass(frozen=True)
class BackupSettings:
    folder: str = ""  # "" = the data directory's backups folder
    second_folder: str = ""  # optional: a USB disk or a network share
    daily: int = 7
    weekly: int = 4
    monthly: int = 12
    schedule: str = "daily"  # daily, off
    at_last_sign_out: bool = True

    @property
    def retention(self) -> Retention:
        return Retention(self.daily, self.weekly, self.monthly)

    def primary(self) -> Path:
        return Path(self.folder).expanduser() if self.folder else data_dir() / "backups"


@dataclass(frozen=True)
class RestoreCheck:
    """What a restore drill found: the copy restored into a scratch file, upgraded, opened."""

    ok: bool
    message: str
    schema: str | None = None
    patients: int = 0
    audit_rows: int = 0


def backup_name(source_stem: str, when: datetime, suffix: str) -> str:
    return f"{source_stem}-{when.strftime(NAME_FORMAT)}{suffix}"


def taken_at(path: Path) -> datetime | None:
    """The time in a backup's name, or None for a file that is not one of ours."""
    parts = path.stem.split("-")
    if len(parts) < 4:
        return None
    try:
        return datetime.strptime("-".join(parts[-3:]), NAME_FORMAT)
    except ValueError:
        return None


class BackupService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    @property
    def _db(self) -> Any:
        return self._units.db

    # --- settings ---------------------------------------------------------------------------

    def settings(self) -> BackupSettings:
        with self._units.read(Permission.BACKUP_MANAGE) as uow:
            row = uow.session.get(ClinicSetting, SETTINGS_KEY)
            return _settings_from(row.value if row is not None else None)

    def save_settings(self, new: BackupSettings) -> BackupSettings:
        self._units.authorise(Permission.BACKUP_MANAGE)  # before anything is validated
        errors = {}
        for name in ("daily", "weekly", "monthly"):
            value = getattr(new, name)
            if not isinstance(value, int) or not 0 <= value <= 366:
                errors[name] = "Give a whole number of copies from 0 to 366."
        if new.daily + new.weekly + new.monthly == 0:
            errors["daily"] = "Keep at least one copy."
        if new.schedule not in ("daily", "off"):
            errors["schedule"] = "Choose daily or off."
        for name in ("folder", "second_folder"):
            text = getattr(new, name)
            if text and not Path(text).expanduser().is_absolute():
                errors[name] = "Give the full path of the folder."
        if new.folder and new.second_folder and Path(new.folder).expanduser() == Path(new.second_folder).expanduser():
            errors["second_folder"] = "The second folder must be another place than the first."
        if errors:
            raise ValidationError(errors)
        with self._units.write(Permission.BACKUP_MANAGE) as uow:
            row = uow.session.get(ClinicSetting, SETTINGS_KEY)
            old = _settings_from(row.value if row is not None else None)
            if row is None:
                uow.session.add(ClinicSetting(key=SETTINGS_KEY, value=asdict(new)))
            else:
                row.value = asdict(new)
            uow.audit("backup.settings_changed", entity_type="settings", entity_id=SETTINGS_KEY,
                      summary="Changed the backup settings",
                      changes={k: [v, asdict(new)[k]] for k, v in asdict(old).items() if asdict(new)[k] != v})
            uow.announce("settings", "changed")
        return new

    # --- backups ----------------------------------------------------------------------------

    def backup_now(self, reason: str = "manual", *, when: datetime | None = None) -> BackupEntry:
        """Take a backup, verify it, copy it to the second folder, apply the retention; logged
        whether it worked or not."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        return self._take(reason, when, prune=True)

    def backup_if_due(self, *, now: datetime | None = None) -> BackupEntry | None:
        """The scheduled backup of a SQLite clinic: taken when the schedule is daily and the last
        verified backup is about a day old or more (any signed-in desk runs it: taking a backup
        changes nothing). A PostgreSQL server's backups are the server's (see ``pg_backup.HOW_TO``)."""
        self._units.authorise()  # signed in, whatever the role
        if not self._db.is_sqlite:
            return None
        config = self._stored_settings()
        if config.schedule != "daily":
            return None
        now = now or datetime.now()
        verified = [e.when for e in backup_log.read(config.primary()) if e.verified and e.kind == "backup"]
        if verified and now - max(verified) < SCHEDULE_GAP:
            return None
        return self._take("scheduled", now, prune=True)

    def backup_at_sign_out(self) -> BackupEntry | None:
        """The backup when the last person of the day signs out of a SQLite clinic (``AuthService.sign_out``
        calls it when no other desk has a live session): taken unless the schedule is off or the
        admin turned this off."""
        self._units.authorise()  # still signed in, whatever the role
        if not self._db.is_sqlite:
            return None
        config = self._stored_settings()
        if config.schedule == "off" or not config.at_last_sign_out:
            return None
        return self._take("sign-out", None, prune=True)

    def _stored_settings(self) -> BackupSettings:
        with self._units.read() as uow:
            row = uow.session.get(ClinicSetting, SETTINGS_KEY)
            return _settings_from(row.value if row is not None else None)

    def _take(self, reason: str, when: datetime | None, *, prune: bool) -> BackupEntry:
        config = self._stored_settings()
        when = when or datetime.now()
        folder = config.primary()
        if self._db.is_sqlite:
            source = self._db.sqlite_path
            target = folder / backup_name(source.stem, when, source.suffix)
            counts = take_backup(source, target)
            check = verify_backup(target, counts)
        else:
            if not pg_backup.pg_dump_available():
                raise ValidationError({"": "pg_dump is not installed on this computer.\n" + pg_backup.HOW_TO})
            url = self._db.url
            target = folder / backup_name(str(url.database), when, ".dump")
            counts = pg_backup.dump(url, target)
            check = pg_backup.verify_dump(url, target, counts)
        copies = self._second_copy(config, target, check) if check.ok else ()
        entry = BackupEntry(when, "backup", reason, str(target), check.size, check.sha256, check.ok, check.reason, copies)
        backup_log.append(folder, entry)
        if check.ok and prune:
            self._prune(folder, config.retention, target.suffix)
            if copies:
                self._prune(Path(copies[0]).parent, config.retention, target.suffix)
        with self._units.write() as uow:
            uow.audit("backup.taken", entity_type="backup", entity_id=target.name[:64],
                      summary=f"Backup {target} ({'verified' if check.ok else 'NOT verified: ' + check.reason})")
        return entry

    def history(self) -> list[BackupEntry]:
        """The backup log, newest first."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        return backup_log.read(self.settings().primary())

    def backups(self) -> list[Path]:
        """The backup files in the backup folder, newest first."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        folder = self.settings().primary()
        found = [p for p in folder.glob("*") if p.is_file() and p.suffix in BACKUP_SUFFIXES and taken_at(p) is not None]
        return sorted(found, key=lambda p: taken_at(p) or datetime.min, reverse=True)

    def verify(self, path: Path) -> Verification:
        """Check a backup file: SQLite integrity and its recorded SHA-256; a dump by a test restore."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        path = Path(path)
        if path.suffix == ".dump":
            return pg_backup.verify_dump(self._db.url, path)
        check = verify_backup(path)
        recorded = next((e for e in backup_log.read(path.parent) if Path(e.path) == path or path.as_posix() in e.copies), None)
        if check.ok and recorded is not None and recorded.sha256 and recorded.sha256 != check.sha256:
            return Verification(False, "the file changed since it was backed up (its SHA-256 differs from the log's).",
                                check.sha256, check.size, check.counts)
        return check

    def restore_test(self, path: Path, scratch: Path) -> RestoreCheck:
        """The restore drill: the copy restored into ``scratch``, upgraded to the current schema and
        opened with the services (patients counted, the audit chain walked)."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        check = self.verify(path)
        if not check.ok:
            return RestoreCheck(False, f"The backup is not usable: {check.reason}")
        if scratch.exists():
            scratch.unlink()
        copy_into(Path(path), scratch)
        from .. import migrations
        from ..audit import AuditService
        from ..database import Database
        from ..identity import Identity
        from ..patients import PatientService

        db = Database(f"sqlite:///{scratch}")
        try:
            migrations.upgrade(db, backup=False)
            identity = Identity()
            identity.act_as_system()
            units = UnitsOfWork(db, identity)
            patients = PatientService(units).count()
            chain = AuditService(units).verify_chain()
            schema = migrations.current_revision(db)
        finally:
            db.dispose()
        if not chain.ok:
            return RestoreCheck(False, f"Restored and opened, but {chain.message}", schema, patients, chain.rows_checked)
        return RestoreCheck(True, f"Restored into {scratch}, upgraded to schema {schema} and opened: {patients:,} "
                                  f"patients, audit chain of {chain.rows_checked:,} rows intact.",
                            schema, patients, chain.rows_checked)

    def restore(self, path: Path) -> BackupEntry:
        """Replace the clinic's data by a backup's (SQLite): verified first, and the current data
        backed up before anything is replaced. Returns the log entry of the backup of what was replaced."""
        self._units.authorise(Permission.BACKUP_MANAGE)
        if not self._db.is_sqlite:
            raise ValidationError({"": "Restoring a PostgreSQL database is done on the server with pg_restore.\n"
                                       + pg_backup.HOW_TO})
        path = Path(path)
        check = self.verify(path)
        if not check.ok:
            raise ValidationError({"path": f"This backup cannot be restored: {check.reason} Nothing was changed."})
        # Another desk still working would go on writing on what it believes is the old data (and
        # continue its audit chain from a tail the restored file does not have).
        with self._units.read(Permission.BACKUP_MANAGE) as uow:
            others = desk_sessions.live_others(uow.session, self._units.identity.desk_id)
        if others:
            desks = "another desk is" if others == 1 else f"{others} other desks are"
            raise ValidationError({"path": (
                f"{desks[0].upper()}{desks[1:]} signed in to this clinic's data. Ask everyone to sign out (or "
                "close the app) first, then restore; nothing was changed."
            )})
        # Not pruned: the retention must not remove the very backup being restored.
        before = self._take("before restore", None, prune=False)
        if not before.verified:
            raise ValidationError({"path": "The current data could not be backed up first "
                                           f"({before.why_not}); nothing was restored."})
        self._db.dispose()
        copy_into(path, self._db.sqlite_path)
        self._db.dispose()
        self._units.database_replaced()
        config = self.settings()
        backup_log.append(config.primary(), BackupEntry(
            datetime.now(), "restore", f"restored from {path.name}", str(path), check.size, check.sha256, True,
            f"the data it replaced is in {before.path}"))
        with self._units.write(Permission.BACKUP_MANAGE) as uow:
            uow.audit("backup.restored", entity_type="backup", entity_id=path.name[:64],
                      summary=f"Restored the database from {path}; what it replaced is in {before.path}")
        return before

    # --- helpers ----------------------------------------------------------------------------

    def _second_copy(self, config: BackupSettings, target: Path, check: Verification) -> tuple[str, ...]:
        if not config.second_folder:
            return ()
        folder = Path(config.second_folder).expanduser()
        copy = folder / target.name

        def failed(why: str) -> tuple[str, ...]:
            # Said in the main log, where the admin looks: the second copy is the one that matters
            # on the day the first disk dies.
            backup_log.append(config.primary(), BackupEntry(datetime.now(), "backup", "second copy", str(copy), 0,
                                                            "", False, why))
            return ()

        try:
            folder.mkdir(parents=True, exist_ok=True)
            # A finished, closed backup file (not a live database), so a plain copy is safe here.
            shutil.copyfile(target, copy)
        except OSError as exc:
            return failed(f"the second folder cannot be written ({exc.strerror or exc}).")
        second = verify_backup(copy, check.counts) if target.suffix != ".dump" else check
        if not second.ok or second.sha256 != check.sha256:
            return failed(f"the copy in the second folder does not match the backup ({second.reason or 'SHA-256 differs'}).")
        backup_log.append(folder, BackupEntry(datetime.now(), "backup", "second copy", str(copy), second.size,
                                              second.sha256, True))
        return (str(copy),)

    def _prune(self, folder: Path, policy: Retention, suffix: str) -> list[Path]:
        ours = [(t, p) for p in folder.glob(f"*{suffix}") if p.is_file() and p.suffix == suffix
                and (t := taken_at(p)) is not None]
        keep = to_keep(ours, policy)
        removed = [p for _, p in ours if p not in keep]
        for p in removed:
            p.unlink(missing_ok=True)
        return removed


def _settings_from(value: Any) -> BackupSettings:
    if not isinstance(value, dict):
        return BackupSettings()
    known = {k: v for k, v in value.items() if k in BackupSettings.__dataclass_fields__}
    return BackupSettings(**known)


__all__ = ["BackupEntry", "BackupService", "BackupSettings", "RestoreCheck", "Retention", "Verification"]
