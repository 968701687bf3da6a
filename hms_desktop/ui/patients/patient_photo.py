"""The patient's photo on the record: shown to whoever sees the patient, chosen from a file by
whoever may edit them. The picture is scaled down here (Qt does the imaging) to at most 512 px a
side and stored as a JPEG (a PNG when it has transparency); services/patient_photos.py checks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from ...services.errors import EnvironmentProblem
from ...services.patient_photos import MOST_PIXELS, PhotoRecord
from ..common.file_dialogs import open_existing_file
from ..common.messages import show_error
from ..common.worker import TaskRunner

SHOWN = 96  # pixels a side on the record


class PictureNotRead(EnvironmentProblem):
    title = "Could not use the picture"


def scaled_photo(path: str) -> bytes:
    """Worker thread: the picture at ``path`` scaled to at most 512 px a side, as JPEG or PNG bytes."""
    image = QImage(path)
    if image.isNull():
        raise PictureNotRead(f"{Path(path).name} is not a picture that can be read; choose a PNG or JPEG photo.")
    if max(image.width(), image.height()) > MOST_PIXELS:
        image = image.scaled(MOST_PIXELS, MOST_PIXELS, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    kind = "PNG" if image.hasAlphaChannel() else "JPEG"
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, kind, 88 if kind == "JPEG" else -1):
        raise PictureNotRead(f"{Path(path).name} could not be converted into a photo.")
    buffer.close()
    return bytes(data.data())


def photo_pixmap(photo: PhotoRecord, side: int = SHOWN) -> QPixmap:
    image = QImage.fromData(photo.data)
    return QPixmap.fromImage(image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))


class PhotoLabel(QLabel):
    """A square showing the photo, or "No photo"."""

    def __init__(self, side: int = SHOWN, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientPhoto")
        self.side = side
        self.setFixedSize(side, side)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.photo: PhotoRecord | None = None
        self.show_photo(None)

    def show_photo(self, photo: PhotoRecord | None) -> None:
        self.photo = photo
        if photo is None:
            self.clear()
            self.setText("No photo")
        else:
            self.setPixmap(photo_pixmap(photo, self.side))
            self.setToolTip(f"Photo, {photo.width} x {photo.height} pixels")


class PhotoBox(QWidget):
    """The photo with "Choose photo…" and "Remove photo" for users who may edit the patient."""

    changed = Signal(object)  # the PhotoRecord now shown, or None

    def __init__(self, runner: TaskRunner, photos: Any, patient_id: int, *, can_edit: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._photos = photos
        self._patient_id = patient_id
        self.file_dialog: QFileDialog | None = None
        self.label = PhotoLabel()
        self.choose_button = QPushButton("Choose p&hoto…", objectName="choosePhoto")
        self.choose_button.setToolTip("A PNG or JPEG picture; it is scaled down to at most 512 pixels a side")
        self.remove_button = QPushButton("Remove photo", objectName="removePhoto")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.label, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.remove_button)
        self.choose_button.setVisible(can_edit)
        self.remove_button.setVisible(False)
        self._can_edit = can_edit
        self.choose_button.clicked.connect(self.choose_file)
        self.remove_button.clicked.connect(self.remove)

    def load(self) -> None:
        self._runner.submit(self._photos.get, self._patient_id, on_done=self._show,
                            on_error=lambda _exc: self.label.setText("Photo not available"), context=self)

    def _show(self, photo: PhotoRecord | None) -> None:
        self.label.show_photo(photo)
        self.remove_button.setVisible(self._can_edit and photo is not None)
        self.changed.emit(photo)

    def choose_file(self) -> QFileDialog:
        self.file_dialog = open_existing_file(self, "Choose the patient's photo",
                                              "Pictures (*.png *.jpg *.jpeg *.PNG *.JPG *.JPEG)", "choosePhotoDialog",
                                              self.use_file)
        return self.file_dialog

    def use_file(self, path: str) -> None:
        photos, patient_id = self._photos, self._patient_id

        def scale_and_set() -> PhotoRecord:
            return photos.set(patient_id, scaled_photo(path))  # type: ignore[no-any-return]

        self.choose_button.setEnabled(False)
        self._runner.submit(scale_and_set, on_done=self._set, on_error=self._refused, context=self)

    def _set(self, photo: PhotoRecord) -> None:
        self.choose_button.setEnabled(True)
        self._show(photo)

    def _refused(self, exc: Exception) -> None:
        self.choose_button.setEnabled(True)
        show_error(self, exc)

    def remove(self) -> None:
        self._runner.submit(self._photos.remove, self._patient_id, on_done=lambda _r: self._show(None),
                            on_error=self._refused, context=self)
