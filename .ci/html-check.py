#!/usr/bin/env python3
"""report.html seen by a real browser: CI's check of `--html` (in .ci/run
after the test suite, not in `cargo test`).

Builds the release binary, writes the --html reports of three example
scenarios under reports/ci-html/ (a run with [costs], a sweep, a run with
text conversations), opens each
in headless Chromium and fails on any console error, uncaught exception,
failed or outside resource load, a page wider than a phone's window, a
blank or near-uniform full-page screenshot, or an empty PDF print. Keeps
reports/ci-html/<name>.png (full page), <name>-narrow.png (375 px wide)
and <name>.pdf (A4) as evidence.

Chromium is Debian's package, installed with apt-get when missing; without
apt the check fails. It is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ended by NUL, read by Chromium on
fd 3, written on fd 4): Python's standard library only.

    python3 .ci/html-check.py                    # the check
    python3 .ci/html-check.py --docs-screenshot  # also docs/report-screenshot.png
"""

import base64
import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "reports", "ci-html")
REPORTS = [
    ("run", ["run", "scenarios/finance-channel-shift.toml", "--replications", "3"]),
    ("sweep", ["sweep", "scenarios/chat-concurrency-sweep.toml", "--replications", "2"]),
    ("conversations", ["run", "scenarios/chat-conversations.toml", "--replications", "3"]),
]
WIDTH, NARROW = 1200, 375
TIMEOUT_S = 60


def fail(message):
    print(f"html-check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def chromium():
    """The Chromium binary, installed from Debian's packages if missing."""
    for name in ("/usr/bin/chromium", "chromium"):
        found = shutil.which(name)
        if found:
            return found
    if not shutil.which("apt-get"):
        fail("chromium is not installed and apt-get is not available to install it")
    print("html-check: installing chromium with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        if subprocess.run(cmd, env=env).returncode != 0:
            fail(f"{' '.join(cmd)} failed")
    found = shutil.which("chromium")
    if not found:
        fail("apt-get installed chromium but there is no chromium command")
    return found


def build():
    """The release ccsim binary, built."""
    subprocess.run(["cargo", "build", "--release", "--bin", "ccsim"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "ccsim")


class Browser:
    """Headless Chromium driven over the DevTools pipe."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="ccsim-html-check-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Numbers above 10, so that the shell's 3<& and 4>& cannot clobber them.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--mute-audio",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in [binary] + flags)
        script = f"exec {quoted} 3<&{high[0]} 4>&{high[1]} {high[0]}<&- {high[1]}>&-"
        self.log = open(os.path.join(OUT, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            ["bash", "-c", script],
            pass_fds=high,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for fd in high:
            os.close(fd)
        self.write = to_chrome_w
        self.read = from_chrome_r
        self.messages = queue.Queue()
        self.events = []
        self.next_id = 0
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        buf = b""
        while True:
            chunk = os.read(self.read, 1 << 16)
            if not chunk:
                self.messages.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                self.messages.put(json.loads(raw))

    def call(self, method, params=None, session=None):
        """Sends a command; returns its result, keeping events meanwhile."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            got = self._next(deadline, method)
            if got.get("id") == self.next_id:
                if "error" in got:
                    fail(f"{method}: {got['error']}")
                return got["result"]
            self.events.append(got)

    def _next(self, deadline, waiting_for):
        try:
            got = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            fail(f"no answer from chromium within {TIMEOUT_S} s ({waiting_for})")
        if got is None:
            fail(f"chromium closed the pipe ({waiting_for}); see {self.log.name}")
        return got

    def wait_event(self, method, session):
        """Waits for an event (it may have come already)."""
        deadline = time.monotonic() + TIMEOUT_S
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            got = self._next(deadline, method)
            if got.get("method") == method and got.get("sessionId") == session:
                return got
            self.events.append(got)

    def drain(self, seconds):
        """Collects the events that arrive within `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                got = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return
            if got is None:
                return
            self.events.append(got)

    def close(self):
        try:
            self.call("Browser.close")
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
        self.log.close()


def png_pixels(data):
    """Width, height and RGB(A) rows of an 8-bit PNG (zlib plus unfiltering)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("the screenshot is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        fail(f"unexpected PNG format (depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def check_image(name, data, min_height):
    """Fails on a blank, near-uniform or cut-short screenshot."""
    width, height, bpp, rows = png_pixels(data)
    colours, lum = set(), []
    for y in range(0, height, 3):
        row = rows[y]
        for x in range(0, width * bpp, 3 * bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            colours.add((r, g, b))
            lum.append(0.299 * r + 0.587 * g + 0.114 * b)
    mean = sum(lum) / len(lum)
    sd = (sum((v - mean) ** 2 for v in lum) / len(lum)) ** 0.5
    non_white = sum(1 for v in lum if v < 250) / len(lum)
    print(
        f"html-check: {name}: {width}x{height} px, {len(colours)} colours, "
        f"luminance sd {sd:.1f}, {non_white:.1%} non-white",
        flush=True,
    )
    if height < min_height:
        fail(f"{name}: the page is only {height} px tall (expected at least {min_height})")
    if len(colours) < 64 or sd < 8 or non_white < 0.02:
        fail(f"{name}: the screenshot is blank or near-uniform")


def visit(browser, name, html_path, docs_shot):
    """Opens one report and checks it; writes its screenshots and PDF."""
    url = "file://" + html_path
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Runtime", "Log", "Page", "Network"):
        browser.call(f"{domain}.enable", session=session)
    browser.events.clear()
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    browser.call("Page.navigate", {"url": url}, session)
    browser.wait_event("Page.loadEventFired", session)
    browser.drain(0.5)
    problems = []
    for e in browser.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            problems.append(f"console error: {p.get('args')}")
        elif m == "Runtime.exceptionThrown":
            problems.append(f"uncaught exception: {p.get('exceptionDetails')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            problems.append(f"log error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed":
            problems.append(f"failed load: {p.get('errorText')} {p.get('type')}")
        elif m == "Network.requestWillBeSent":
            req = p.get("request", {}).get("url", "")
            if req != url and not req.startswith("data:"):
                problems.append(f"request outside the file: {req}")
    if problems:
        fail(f"{name}: " + "; ".join(problems))
    size = browser.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
    w, h = int(size["width"]), int(size["height"])
    shot = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
        },
        session,
    )
    png = base64.b64decode(shot["data"])
    with open(os.path.join(OUT, f"{name}.png"), "wb") as f:
        f.write(png)
    check_image(name, png, 1500)
    if docs_shot:
        top = browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": w, "height": 1300, "scale": 1},
            },
            session,
        )
        data = base64.b64decode(top["data"])
        path = os.path.join(ROOT, "docs", "report-screenshot.png")
        with open(path, "wb") as f:
            f.write(data)
        print(f"html-check: wrote {path} ({len(data) // 1024} KiB)", flush=True)
    # A phone's window: nothing wider than the window but the table wrappers.
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": NARROW, "height": 800, "deviceScaleFactor": 1, "mobile": True},
        session,
    )
    browser.drain(0.3)
    wide = browser.call(
        "Runtime.evaluate",
        {"expression": "document.documentElement.scrollWidth", "returnByValue": True},
        session,
    )["result"]["value"]
    if wide > NARROW + 1:
        fail(f"{name}: at {NARROW} px wide the page is {wide} px wide (scrolls sideways)")
    size = browser.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
    narrow = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": NARROW, "height": int(size["height"]), "scale": 1},
        },
        session,
    )
    png = base64.b64decode(narrow["data"])
    with open(os.path.join(OUT, f"{name}-narrow.png"), "wb") as f:
        f.write(png)
    check_image(f"{name}-narrow", png, 2000)
    browser.call("Emulation.clearDeviceMetricsOverride", session=session)
    pdf = base64.b64decode(
        browser.call(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True},
            session,
        )["data"]
    )
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    with open(os.path.join(OUT, f"{name}.pdf"), "wb") as f:
        f.write(pdf)
    print(f"html-check: {name}.pdf: {len(pdf) // 1024} KiB, {pages} A4 pages", flush=True)
    if not pdf.startswith(b"%PDF") or len(pdf) < 10_000:
        fail(f"{name}: the PDF print is empty")
    browser.call("Target.closeTarget", {"targetId": target})


def main():
    docs_shot = "--docs-screenshot" in sys.argv[1:]
    binary = chromium()
    ccsim = build()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for name, args in REPORTS:
        out = os.path.join(OUT, name)
        subprocess.run(
            [ccsim] + args + ["--out", out, "--html"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    browser = Browser(binary)
    try:
        version = browser.call("Browser.getVersion")["product"]
        print(f"html-check: {version}", flush=True)
        for name, _ in REPORTS:
            html = os.path.join(OUT, name, "report.html")
            visit(browser, name, html, docs_shot and name == "run")
    finally:
        browser.close()
    print(f"html-check: ok: {len(REPORTS)} reports opened, screenshots in {OUT}")


if __name__ == "__main__":
    main()
