"""Choosing the database: shown when it cannot be reached at start-up, or on request."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
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

from ...config import SSL_MODES, connection_fields, default_database_url
from ...paths import default_database_path
from ..common.window_fit import clamp_to_screen

SSL_LABELS = {
    "disable": "Off: not encrypted",
    "prefer": "If the server offers it (not checked)",
    "require": "Required: encrypted, server not verified",
    "verify-full": "Required and verified with the clinic's CA certificate",
}


def postgres_url(
    host: str, port: int, database: str, user: str, password: str, sslmode: str = "prefer", sslrootcert: str = ""
) -> str:
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    query = {"sslmode": sslmode}
    if sslmode == "verify-full" and sslrootcert.strip():
        query["sslrootcert"] = sslrootcert.strip()
    return (f"postgresql+psycopg://{auth}@{host.strip()}:{port}/{quote(database.strip(), safe='')}"
            f"?{urlencode(query)}")


class DatabaseDialog(QDialog):
    """Result: ``chosen_url`` (a new URL to try) or None with Accepted meaning "retry the same".

    The fields show ``url`` (the database that failed, or the one in use), never its password.
    """

    def __init__(self, *, problem: str | None, current: str, url: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Database")
        self.setMinimumWidth(560)
        self.chosen_url: str | None = None
        fields = connection_fields(url) if url else None
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

        self.path = QLineEdit(fields.path if fields and fields.kind == "sqlite" else str(default_database_path()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path)
        path_row.addWidget(browse)
        local_box = QGroupBox()
        local_form = QFormLayout(local_box)
        local_form.addRow("File", path_row)

        pg = fields if fields and fields.kind == "postgresql" else None
        self.host = QLineEdit(pg.host if pg else "127.0.0.1")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(pg.port if pg else 5432)
        self.database = QLineEdit(pg.database if pg else "hms")
        self.user = QLineEdit(pg.user if pg else "hms")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("empty: the remembered one, or ~/.pgpass")
        self.sslmode = QComboBox()
        self.sslmode.setObjectName("sslmode")
        for mode in SSL_MODES:
            self.sslmode.addItem(SSL_LABELS[mode], mode)
        self.sslmode.setCurrentIndex(SSL_MODES.index(pg.sslmode if pg else "prefer"))
        self.ca_file = QLineEdit(pg.sslrootcert if pg else "")
        self.ca_file.setObjectName("sslrootcert")
        self.ca_file.setPlaceholderText("the clinic's CA certificate (.crt or .pem)")
        ca_browse = QPushButton("Browse…")
        ca_browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file)
        ca_row.addWidget(ca_browse)
        self._ca_widgets = (self.ca_file, ca_browse)
        self.sslmode.currentIndexChanged.connect(self._ssl_changed)
        shared_box = QGroupBox()
        shared_form = QFormLayout(shared_box)
        shared_form.addRow("Server", self.host)
        shared_form.addRow("Port", self.port)
        shared_form.addRow("Database", self.database)
        shared_form.addRow("User", self.user)
        shared_form.addRow("Password", self.password)
        shared_form.addRow("&Encryption (TLS)", self.sslmode)
        shared_form.addRow("CA certificate", ca_row)
        self._ssl_changed()

        # Not ticked unless the person asks: a database tried once is not remembered by accident.
        self.remember = QCheckBox("&Use this database every time on this workstation")
        self.remember.setChecked(False)
        self.remember.setToolTip("A password typed here is then kept in the system's keyring (or a private "
                                 "~/.pgpass file), never in the settings file.")

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
        is_pg = fields.kind == "postgresql" if fields else current.startswith("PostgreSQL")
        self.shared.setChecked(is_pg)
        self.local.setChecked(not is_pg)
        local_box.setEnabled(not is_pg)
        shared_box.setEnabled(is_pg)

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        super().showEvent(event)
        clamp_to_screen(self)

    def _ssl_changed(self) -> None:
        verify = self.sslmode.currentData() == "verify-full"
        for widget in self._ca_widgets:
            widget.setEnabled(verify)

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The clinic's CA certificate", self.ca_file.text(), "Certificates (*.crt *.pem);;All files (*)"
        )
        if path:
            self.ca_file.setText(path)

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
            if self.sslmode.currentData() == "verify-full" and not self.ca_file.text().strip():
                self.problem_label.setText(
                    "To verify the server, choose the clinic's CA certificate file (ask whoever set up the server)."
                )
                self.problem_label.show()
                self.ca_file.setFocus()
                return
            self.chosen_url = postgres_url(
                self.host.text(), self.port.value(), self.database.text(), self.user.text(), self.password.text(),
                self.sslmode.currentData(), self.ca_file.text(),
            )
        self.accept()
