"""Choosing the database: shown when it cannot be reached at start-up, or on request."""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...config import default_database_url
from ...paths import default_database_path


def postgres_url(host: str, port: int, database: str, user: str, password: str) -> str:
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    return f"postgresql+psycopg://{auth}@{host.strip()}:{port}/{quote(database.strip(), safe='')}"


class DatabaseDialog(QDialog):
    """Result: ``chosen_url`` (a new URL to try) or None with Accepted meaning "retry the same"."""

    def __init__(self, *, problem: str | None, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Database")
        self.setMinimumWidth(560)
        self.chosen_url: str | None = None
        layout = QVBoxLayout(self)
        self.problem_label = QLabel(problem or "")
        self.problem_label.setObjectName("bannerError")
        self.problem_label.setWordWrap(True)
        self.problem_label.setVisible(bool(problem))
        layout.addWidget(self.problem_label)
        now = QLabel(f"Now using: {current}")
        now.setObjectName("subtle")
        now.setWordWrap(True)
        layout.addWidget(now)

        self.local = QRadioButton("This computer only — a SQLite file (one workstation)")
        self.shared = QRadioButton("Shared server — PostgreSQL (several workstations)")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.shared)

        self.path = QLineEdit(str(default_database_path()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path)
        path_row.addWidget(browse)
        local_box = QGroupBox()
        local_form = QFormLayout(local_box)
        local_form.addRow("File", path_row)

        self.host = QLineEdit("127.0.0.1")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("hms")
        self.user = QLineEdit("hms")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty to use ~/.pgpass")
        shared_box = QGroupBox()
        shared_form = QFormLayout(shared_box)
        shared_form.addRow("Server", self.host)
        shared_form.addRow("Port", self.port)
        shared_form.addRow("Database", self.database)
        shared_form.addRow("User", self.user)
        shared_form.addRow("Password", self.password)

        self.remember = QCheckBox("Use this database every time on this workstation")
        self.remember.setChecked(True)

        layout.addWidget(self.local)
        layout.addWidget(local_box)
        layout.addWidget(self.shared)
        layout.addWidget(shared_box)
        layout.addWidget(self.remember)

        buttons = QHBoxLayout()
        if problem:
            retry = QPushButton("Try again")
            retry.clicked.connect(self.accept)
            buttons.addWidget(retry)
        connect = QPushButton("Connect")
        connect.setObjectName("primary")
        connect.setDefault(True)
        connect.clicked.connect(self._connect)
        quit_button = QPushButton("Quit" if problem else "Cancel")
        quit_button.clicked.connect(self.reject)
        buttons.addStretch()
        buttons.addWidget(connect)
        buttons.addWidget(quit_button)
        layout.addLayout(buttons)

        self.local.toggled.connect(local_box.setEnabled)
        self.shared.toggled.connect(shared_box.setEnabled)
        is_pg = current.startswith("PostgreSQL")
        self.shared.setChecked(is_pg)
        self.local.setChecked(not is_pg)
        local_box.setEnabled(not is_pg)
        shared_box.setEnabled(is_pg)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "SQLite database file", self.path.text(), "SQLite database (*.sqlite3 *.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.path.setText(path)

    def _connect(self) -> None:
        if self.local.isChecked():
            path = self.path.text().strip()
            self.chosen_url = f"sqlite:///{path}" if path else default_database_url()
        else:
            self.chosen_url = postgres_url(
                self.host.text(), self.port.value(), self.database.text(), self.user.text(), self.password.text()
            )
        self.accept()
