"""Analytic emissivity sources with exact line-of-sight integrals, and ray fans, for the imaging tests."""

import math

import numpy as np

#: Emissivity inside a :class:`Ball`, eV cm^-3 s^-1.
ETA0 = 2.0e-5


class Ball:
    """Uniform emissivity ETA0 for r_in <= |x - centre| < r_out (RE), 0 elsewhere: jumps at both radii."""

    def __init__(self, centre=(0.0, 0.0, 0.0), r_out=10.0, r_in=0.0):
        self.c, self.r_out, self.r_in = np.asarray(centre, float), r_out, r_in

    def evaluate(self, x, y, z):
        r2 = (x - self.c[0]) ** 2 + (y - self.c[1]) ** 2 + (z - self.c[2]) ** 2
        return np.where((r2 < self.r_out**2) & (r2 >= self.r_in**2), ETA0, 0.0)

    def chord(self, origin, d, length):
        """Exact path length inside the shell along o + s d, 0 <= s <= length."""
        out = 0.0
        for radius, sign in ((self.r_out, 1.0), (self.r_in, -1.0)):
            if radius <= 0:
                continue
            b = float(np.dot(origin - self.c, d))
            disc = b * b - (float(np.dot(origin - self.c, origin - self.c)) - radius**2)
            if disc <= 0:
                continue
            lo, hi = -b - math.sqrt(disc), -b + math.sqrt(disc)
            out += sign * max(0.0, min(hi, length) - max(lo, 0.0))
        return out


def unit(v):
    """``v`` normalised along its last axis."""
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def fan(origin, target, n=40, spread=0.35, seed=0):
    """Unit directions from origin scattered about the direction to target."""
    rng = np.random.default_rng(seed)
    centre = unit(np.asarray(target, float) - np.asarray(origin, float))
    return unit(centre + spread * rng.normal(size=(n, 3)))
