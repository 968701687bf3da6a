"""The backup log the admin reads: one JSON line per backup, restore or check, kept in the backup
folder beside the copies (not in the database, so a restore does not rewrite its own history)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

LOG_NAME = "backup-log.jsonl"


@dataclass(frozen=True)
class BackupEntry:
    when: datetime
    kind: str  # backup, restore, verify, restore-test
    reason: str  # manual, daily, sign-out, before restore, ...
    path: str
    size: int
    sha256: str
    verified: bool
    why_not: str = ""  # when not verified: why, in plain words
    copies: tuple[str, ...] = ()  # the same backup in the second folder

    def to_json(self) -> str:
        data = asdict(self)
        data["when"] = self.when.isoformat()
        data["copies"] = list(self.copies)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> BackupEntry:
        data = json.loads(line)
        data["when"] = datetime.fromisoformat(data["when"])
        data["copies"] = tuple(data.get("copies", ()))
        return cls(**data)


def append(folder: Path, entry: BackupEntry) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOG_NAME, "a", encoding="utf-8") as f:
        f.write(entry.to_json() + "\n")


def read(folder: Path) -> list[BackupEntry]:
    """Newest first; a damaged line is skipped rather than hiding the rest."""
    path = folder / LOG_NAME
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(BackupEntry.from_json(line))
        except (ValueError, TypeError, KeyError):
            continue
    return sorted(entries, key=lambda e: e.when, reverse=True)
