"""One way to take another desk's edit into an open form: a three-way merge driven by field specs.

A form was filled from a record (the *base*). Someone at another desk saved the same record (now
*theirs*), so this desk's save was refused. For every field the form describes:

- they did not change it: the form keeps what is in it (this desk's edit, if any);
- they changed it and this desk did not (or typed the same): the field takes their value;
- both changed it differently: this desk's entry stays, theirs is shown under the field.

The dialog then edits on top of *theirs*: its next save names their version, so nothing the other
desk saved is written back over silently (the lost update this replaces).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton

from ...services.errors import ConflictError
from .form_helpers import report_in_form, show_banner

R = TypeVar("R")

TAKEN_TEXT = "Updated to the other desk's version."


@dataclass(frozen=True)
class FieldSpec(Generic[R]):
    """One form field in the terms the merge compares.

    ``of_record`` gives a record's value as the form would hold it (so an untouched field compares
    equal to its record), ``read`` what the form holds now, ``write`` puts a value in the form, and
    ``describe`` says a value in words for the "the other desk saved" line.
    """

    name: str
    label: str
    of_record: Callable[[R], Any]
    read: Callable[[], Any]
    write: Callable[[Any], None]
    describe: Callable[[Any], str] | None = None

    def words(self, value: Any) -> str:
        if self.describe is not None:
            return self.describe(value)
        text = "" if value is None else str(value)
        return text or "(empty)"


@dataclass(frozen=True)
class MergeOutcome:
    taken: tuple[str, ...] = ()  # labels of fields now holding their value
    kept: tuple[str, ...] = ()  # labels of fields both desks changed: this desk's entry kept
    changed: tuple[str, ...] = ()  # every field they changed, taken or kept

    def sentence(self, message: str) -> str:
        """The banner text: the service's message, then what happened to each changed field."""
        parts = [message]
        if self.taken:
            parts.append(f"Their changes to {', '.join(self.taken)} are now in the form.")
        if self.kept:
            parts.append(
                f"You both changed {', '.join(self.kept)}: your entries are kept and theirs are shown "
                "beneath. Check them, then save again."
            )
        if not self.changed:
            parts.append("Save again to keep your changes.")
        return " ".join(parts)


@dataclass
class ConflictMerge(Generic[R]):
    """The specs of one form and the label under each field that tells what the other desk did."""

    specs: Sequence[FieldSpec[R]]
    labels: dict[str, QLabel] = field(default_factory=dict)

    def label(self, name: str) -> QLabel:
        """The hidden, word-wrapping "theirs" label for field ``name``; made once, placed by the form."""
        if name not in self.labels:
            label = QLabel()
            label.setObjectName("theirValue")
            label.setWordWrap(True)
            label.hide()
            self.labels[name] = label
        return self.labels[name]

    def merge(self, base: R, theirs: R) -> MergeOutcome:
        taken: list[str] = []
        kept: list[str] = []
        for spec in self.specs:
            label = self.label(spec.name)
            before, now, mine = spec.of_record(base), spec.of_record(theirs), spec.read()
            if now == before:
                label.hide()
                continue
            if mine in (before, now):
                spec.write(now)
                label.setText(TAKEN_TEXT)
                taken.append(spec.label)
            else:
                label.setText(f"The other desk saved: {spec.words(now)} — yours is kept above.")
                kept.append(spec.label)
            label.show()
        return MergeOutcome(tuple(taken), tuple(kept), tuple(taken + kept))

    def hide(self) -> None:
        for label in self.labels.values():
            label.hide()

    def fill(self, record: R) -> None:
        """Put every field of ``record`` in the form (for "use their version")."""
        for spec in self.specs:
            spec.write(spec.of_record(record))
        self.hide()


class MergingEditor:
    """The saving end of a small editor dialog that uses a ConflictMerge (the price-list item, the
    formulary medicine): saved, it emits ``saved`` and closes; refused because another desk saved the
    record meanwhile, it merges their version in, says so and offers "Use their version"; any other
    refusal is shown in the form. Mixed into a QDialog that has ``record``, ``saved``, ``merge``,
    ``banner``, ``errors``, ``save_button`` and ``use_theirs``, and says ``record_type`` and how the
    banner names a record (``record_words``)."""

    record_type: type
    record: Any

    def record_words(self, record: Any) -> str:
        raise NotImplementedError

    def save_buttons(self, name: str) -> QDialogButtonBox:
        """Save, Cancel and the hidden "Use their version" (object names ``<name>Save``,
        ``<name>UseTheirs``), wired to ``submit``, ``reject`` and ``_use_theirs``."""
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName(f"{name}Save")
        self.use_theirs = QPushButton("Use their version", objectName=f"{name}UseTheirs")
        self.use_theirs.clicked.connect(self._use_theirs)
        buttons.addButton(self.use_theirs, QDialogButtonBox.ButtonRole.ResetRole)
        self.use_theirs.hide()  # after addButton, which shows it: only a conflict brings it up
        buttons.accepted.connect(self.submit)  # type: ignore[attr-defined]
        buttons.rejected.connect(self.reject)  # type: ignore[attr-defined]
        return buttons

    def _saved(self, record: Any) -> None:
        self.record = record
        self.saved.emit(record)  # type: ignore[attr-defined]
        self.accept()  # type: ignore[attr-defined]

    def _refused(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)  # type: ignore[attr-defined]
        if isinstance(exc, ConflictError) and isinstance(exc.current, self.record_type) and self.record is not None:
            outcome = self.merge.merge(self.record, exc.current)  # type: ignore[attr-defined]
            self.record = exc.current
            show_banner(self.banner, outcome.sentence(  # type: ignore[attr-defined]
                f"Someone at another desk saved {self.record_words(exc.current)} while you were editing. "
                "Nothing of yours has been saved yet."), "bannerWarning")
            self.use_theirs.show()  # type: ignore[attr-defined]
            return
        report_in_form(self, exc, self.errors, self.banner)  # type: ignore[attr-defined, arg-type]

    def _use_theirs(self) -> None:
        if self.record is not None:
            self.merge.fill(self.record)  # type: ignore[attr-defined]
        self.errors.clear()  # type: ignore[attr-defined]
        self.banner.hide()  # type: ignore[attr-defined]
        self.use_theirs.hide()  # type: ignore[attr-defined]
