"""The project's own regression data, contributed to pytest-linreg through conftest.py."""

from __future__ import annotations

import numpy as np
import pytest_linreg as plr


def make_house_prices(n: int = 200, *, seed: int = 7) -> plr.Dataset:
    """House prices against floor area (m²), age (years) and distance to the centre (km).

    The floor area sits far from zero relative to its spread and the columns are in very
    different units — two of the things the suite's offset and scaling checks probe.
    """
    rng = np.random.default_rng(seed)
    area = rng.normal(120.0, 25.0, n)
    age = rng.uniform(0.0, 80.0, n)
    distance = rng.gamma(2.0, 3.0, n)
    X = np.column_stack([area, age, distance])
    price = 50_000.0 + 2_100.0 * area - 450.0 * age - 3_000.0 * distance
    y = price + rng.normal(0.0, 5_000.0, n)
    return plr.Dataset.from_arrays(
        "house_prices", X, y, feature_names=["area", "age", "distance"], tags=["tinyreg"],
        description="synthetic house prices (seeded), units differing by orders of magnitude",
        seed=seed,
    )
