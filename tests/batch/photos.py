"""Test photos made with Pillow: a white-ground ID photo of 295×413 px, its size tuned by quality and noise."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

KB = 1024


def id_photo(seed: int = 1, kb: tuple[float, float] = (10, 30), size: tuple[int, int] = (295, 413),
             fmt: str = "JPEG", ground: str = "white") -> bytes:
    """A head-and-shoulders picture on a plain ground whose file size falls within `kb` (JPEG) or any (PNG)."""
    rnd = random.Random(seed)
    w, h = size
    for noise in (20, 40, 60, 90, 120):
        for quality in (60, 70, 80, 85, 90, 95, 98):
            img = Image.new("RGB", size, ground)
            draw = ImageDraw.Draw(img)
            grey = rnd.randrange(150, 220)
            draw.ellipse((w * 0.3, h * 0.17, w * 0.7, h * 0.48), fill=(grey, grey - 10, grey - 25))
            draw.rectangle((w * 0.14, h * 0.56, w * 0.86, h), fill=(60, 70, 90))
            texture = Image.effect_noise(size, noise).convert("RGB")
            mask = Image.new("L", size, 0)
            ImageDraw.Draw(mask).ellipse((w * 0.2, h * 0.12, w * 0.8, h * 1.2), fill=255)  # the corners stay plain
            img.paste(Image.blend(img, texture, 0.35), (0, 0), mask)
            out = io.BytesIO()
            if fmt == "JPEG":
                img.save(out, "JPEG", quality=quality)
            else:
                img.save(out, fmt)
                return out.getvalue()
            if kb[0] * KB <= len(out.getvalue()) <= kb[1] * KB:
                return out.getvalue()
    raise AssertionError(f"no photo of {kb} KB could be made")
