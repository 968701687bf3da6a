#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages HMS Desktop needs that pip cannot provide: the libraries Qt
# loads at run time, the DejaVu fonts used in PDFs, and the tools used to look at screens and PDFs.
# Only missing packages are installed; nothing happens when everything is already there.
set -euo pipefail

PACKAGES=(
  # Qt 6 (PySide6 wheels) at run time
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1
  # PDFs with non-Latin names, Chinese/Japanese/Korean names on screen; reading PDFs back in tests
  fonts-dejavu-core fonts-wqy-microhei poppler-utils
  # A virtual screen for screenshots of the real window
  xvfb xauth
  # Python virtual environments
  python3-venv
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian-based system; install the Qt 6 runtime libraries yourself" >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-system-deps: please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
