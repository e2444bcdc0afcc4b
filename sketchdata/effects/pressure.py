"""Light pencil pressure: graphite that never reaches black. A pure function of (image, strength, rng).

Real rough sketches (../shared/data/rough, tuning half) are drawn with a light hand: lines are
mid-grey and thin, and the darkest stroke is far from black. The realism test
(benchmarks/realism.py) found synthetic inputs surest "synthetic" where their passes pile up
into black blotches. This effect lightens the ink below the paper level, compresses it like
graphite saturating on paper (darkness approaches a ceiling instead of adding up), and lets the
pressure drift slowly across the page. The paper itself is untouched.
"""

from __future__ import annotations

import numpy as np

from sketchdata.effects.fields import smooth_noise


def pencil_pressure(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """strength 0 = unchanged; 1 = a very light hand (darkest lines about 35% below the paper)."""
    if strength <= 0:
        return image.copy()
    s = float(strength)
    img = image.astype(np.float32)
    paper = float(np.percentile(img, 95))
    darkness = np.clip(paper - img, 0, None)
    # the ceiling graphite reaches, and a slowly varying hand pressure around it
    ceiling = max(0.08, paper * (1.0 - rng.uniform(0.45, 0.65) * s))
    drift = 1.0 + 0.25 * s * smooth_noise(img.shape, max(img.shape) / 3, rng)
    lighter = ceiling * (1.0 - np.exp(-darkness * np.clip(drift, 0.5, 1.5) / ceiling))
    out = paper - lighter
    # where the input was lighter than the paper level (bright specks), keep it
    out = np.where(darkness > 0, out, img)
    return np.clip(out, 0, 1).astype(np.float32)
