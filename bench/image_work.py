"""Count the image work between the upstream's file and the browser, per generation.

    python bench/image_work.py

Runs the app in this process against emulators, wraps Pillow's encode (`Image.save`) and
decode (`ImageFile.load`) and file copies (`shutil.copy2`, `shutil.copyfile`), then makes one
streaming generation (4 previews) and one single-image generation through the page's event.
Previews are .webp files from the Space; finals are the PNGs we write.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageFile  # noqa: E402

COUNTS: collections.Counter = collections.Counter()


def _kind(path) -> str:
    return "final" if str(path).endswith((".png", ".part")) else "preview"


def _wrap() -> None:
    save, load = Image.Image.save, ImageFile.ImageFile.load
    copyfile = shutil.copyfile  # shutil.copy2 and copy go through it

    def counted_save(self, fp, *args, **kwargs):
        COUNTS[f"encode {_kind(fp)}"] += 1
        return save(self, fp, *args, **kwargs)

    def counted_load(self):
        if not getattr(self, "_counted_load", False) and self._im is None:
            COUNTS[f"decode {_kind(getattr(self, 'filename', ''))}"] += 1
            self._counted_load = True
        return load(self)

    def counted_copyfile(src, dst, *args, **kwargs):
        COUNTS[f"copy {_kind(src)}"] += 1
        COUNTS[f"bytes copied {_kind(src)}"] += os.path.getsize(src)
        return copyfile(src, dst, *args, **kwargs)

    Image.Image.save = counted_save
    ImageFile.ImageFile.load = counted_load
    shutil.copyfile = counted_copyfile


_EMULATORS = """
import sys
from tests.emulators import start_emulator
spaces = [start_emulator(kind, idle_poll=None) for kind in ("flux-dev", "flux-schnell")]
print(" ".join(space.url for space in spaces), flush=True)
sys.stdin.read()  # run until the parent closes our stdin
"""


def main() -> None:
    # The emulators encode images too: they run in their own process, uncounted.
    emulators = subprocess.Popen(
        [sys.executable, "-c", _EMULATORS], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    dev_url, schnell_url = emulators.stdout.readline().split()
    workdir = Path(tempfile.mkdtemp(prefix="space-canvas-imagework-"))
    os.environ["SPACE_URLS"] = (
        f"BlackForestLabs_Flux1Dev={dev_url},BlackForestLabs_Flux1Schnell={schnell_url}"
    )
    os.environ["GRADIO_TEMP_DIR"] = str(workdir / "gradio")
    from gradio_client import Client

    import app  # after SPACE_URLS: the providers read it on import
    from tests.app_server import free_port

    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, server_port=free_port())
    client = Client(url, verbose=False, download_files=False)
    rows = []
    try:
        for model, steps, previews in (("flux-dev", 4, 4), ("flux-schnell", 4, 0)):
            COUNTS.clear()
            client.predict(
                "count", "", model, "1:1", 1024, 1024, steps, 3.5, 1, False, api_name="/stream"
            )
            rows.append((model, previews, dict(COUNTS)))
    finally:
        client.close()
        app.demo.close()
        emulators.stdin.close()
        emulators.wait(timeout=30)

    print("| generation | previews | encodes | decodes | file copies | bytes copied |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model, previews, counts in rows:
        total = collections.Counter()
        for key, value in counts.items():
            total[key.rsplit(" ", 1)[0]] += value
        print(
            f"| {model} | {previews} | {total['encode']} | {total['decode']} | "
            f"{total['copy']} | {total['bytes copied'] / 1024:.0f} KiB |"
        )
    print("\nThe preview path costs the difference between the two rows, per preview.")


if __name__ == "__main__":
    _wrap()
    main()
