"""Phone photos for the upload tests and bench/evidence_upload.py (issue 19): large JPEGs whose
size comes from what a phone's photos have (sensor grain, edges, colour areas), with a GPS
position in their EXIF. Made with Pillow; deterministic for a given seed."""

import random

from PIL import Image, ImageDraw, ImageFilter

GPS_IFD = 0x8825


def phone_photo(path, width=4000, height=3000, seed=1, quality=92) -> int:
    """Write the photo to ``path``; returns its size in bytes (about 4.3 MB at 4000x3000)."""
    rnd = random.Random(seed)
    blobs = [_noise(width // k, height // k, rnd).resize((width, height), Image.BICUBIC) for k in (100, 40)]
    base = Image.merge("RGB", (blobs[0], blobs[1], Image.blend(blobs[0], blobs[1], 0.5)))
    draw = ImageDraw.Draw(base)
    for _ in range(40):  # things in the scene: edges and colour areas
        x, y = rnd.randrange(width), rnd.randrange(height)
        draw.rectangle((x, y, x + rnd.randrange(50, 800), y + rnd.randrange(50, 600)),
                       fill=tuple(rnd.randrange(256) for _ in range(3)))
    base = base.filter(ImageFilter.GaussianBlur(2))
    grain = _noise(width, height, rnd).convert("RGB")  # the bulk of a full-size phone JPEG
    image = Image.blend(base, grain, 0.08)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (11.0, 33.0, 15.0), 3: "E", 4: (104.0, 55.0, 12.0)})
    image.save(path, "JPEG", quality=quality, exif=exif.tobytes())
    return path.stat().st_size if hasattr(path, "stat") else 0


def _noise(width, height, rnd) -> Image.Image:
    """Gaussian noise around mid-grey, from ``rnd`` (Pillow's own noise is not seeded)."""
    return Image.frombytes("L", (width, height), rnd.randbytes(width * height)).filter(ImageFilter.BoxBlur(0))
