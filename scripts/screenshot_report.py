"""Render a pytest-linreg HTML report in headless Chromium and save a PNG screenshot.

Usage::

    python scripts/screenshot_report.py report.html [out.png] [--width 1200] [--height 1400]

Needs Debian's ``chromium`` package (``apt-get install -y chromium``) or ``$CHROMIUM`` pointing
at a Chromium/Chrome binary. Chromium runs with a fresh, empty profile and with its network
services (updates, sync, QUIC) turned off, so the screenshot shows only what the self-contained
page carries: a missing inline image or style would show up in the PNG.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str:
    """Return the path of a Chromium binary, or raise FileNotFoundError saying how to get one."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        f"no Chromium binary found (tried $CHROMIUM and {', '.join(_CANDIDATES)}); "
        "install it with `apt-get install -y chromium`")


def _headless(profile: str) -> list[str]:
    """Chromium, headless, with a fresh profile and its network services off."""
    return [
        find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
        # Without these, a loaded machine sometimes got a screenshot whose lower table rows
        # were painted only in part (the HTML was complete): wait for layout and paint.
        "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000",
    ]


def dump_dom(html: Path, *, timeout: float = 120.0) -> str:
    """The DOM Chromium builds from ``html`` (``--dump-dom``), as serialised HTML."""
    if not html.is_file():
        raise FileNotFoundError(f"{html} does not exist")
    with tempfile.TemporaryDirectory(prefix="linreg-chromium-") as profile:
        cmd = [*_headless(profile), "--dump-dom", html.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium exited with {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def screenshot(html: Path, png: Path, *, width: int = 1200, height: int = 1400,
               timeout: float = 120.0) -> Path:
    """Render ``html`` into ``png`` with headless Chromium and return the PNG path."""
    if not html.is_file():
        raise FileNotFoundError(f"{html} does not exist")
    png = png.resolve()
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="linreg-chromium-") as profile:
        cmd = [*_headless(profile), f"--screenshot={png}", f"--window-size={width},{height}",
               html.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if not png.is_file():
        raise RuntimeError(
            f"chromium exited with {done.returncode} and wrote no screenshot:\n"
            f"{done.stderr[-2000:]}")
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the HTML report to render")
    parser.add_argument("png", type=Path, nargs="?", help="output PNG (default: beside the HTML)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=1400)
    args = parser.parse_args(argv)
    out = args.png or args.html.with_suffix(".png")
    path = screenshot(args.html, out, width=args.width, height=args.height)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
