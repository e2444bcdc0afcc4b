"""Random noise: grain, dust and speckle, salt-and-pepper, paper texture, scan artefacts."""

from __future__ import annotations

import cv2
import numpy as np

from sketchdata.image.io import to_uint8
from sketchdata.effects.fields import smooth_noise


def random_noise(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Degrade ``image`` like a cheap scan of a drawing on textured paper.

    strength 0 = unchanged; 1 = strong grain, many specks, uneven light, blur and JPEG.
    """
    if strength <= 0:
        return image.copy()
    s = float(strength)
    h, w = image.shape
    out = image.astype(np.float32).copy()
    # paper texture: low-frequency mottling plus fine fibres
    fibres = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.2)
    out = out * (1.0 - 0.04 * s * (1 + smooth_noise((h, w), 40, rng))) - 0.05 * s * np.abs(fibres)
    # dust and speckle: small dark blobs of varied size
    n_specks = int(rng.poisson(12 * s * h * w / 256**2))
    if n_specks:
        specks = np.zeros((h, w), np.float32)
        xs, ys = rng.integers(0, w, n_specks), rng.integers(0, h, n_specks)
        radii = np.clip(rng.exponential(0.8, n_specks), 0, 3)
        for x, y, r, ink in zip(xs, ys, radii, rng.uniform(0.3, 1.0, n_specks)):
            cv2.circle(specks, (int(x), int(y)), int(r), float(ink), -1, cv2.LINE_AA)
        out = out * (1.0 - specks)
    # salt and pepper
    sp = rng.random((h, w))
    out[sp < 0.004 * s] = 0.0
    out[sp > 1 - 0.004 * s] = 1.0
    # grain
    out = out + rng.normal(0, 0.06 * s, (h, w)).astype(np.float32)
    # scanner: uneven lighting, slight defocus, JPEG
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    light = (x * np.cos(angle) + y * np.sin(angle)) / max(h, w)
    out = out * (1.0 - 0.15 * s * (light - light.min()))
    out = cv2.GaussianBlur(np.clip(out, 0, 1), (0, 0), 0.2 + 0.6 * s * rng.random())
    quality = int(95 - 70 * s * rng.random())
    ok, buf = cv2.imencode(".jpg", to_uint8(out),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    return np.clip(out, 0, 1).astype(np.float32)
