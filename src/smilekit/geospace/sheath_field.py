"""The magnetic field in the magnetosheath: the IMF frozen into a compression along the flow.

This is **not** the Kobel & Flückiger (1994) potential-field model (:cite:`kobel1994`): its equations (a
Laplace solution between confocal paraboloids) could not be read here, and the smilekit boundaries are not
confocal paraboloids. It is a documented alternative built from two exact properties of ideal MHD:

1. **Cauchy's solution of the frozen-in field.** If each downstream point x carries the label R(x) of the
   upstream point its plasma came from and the IMF B0 is uniform upstream, then
   ``B(x) = det(J) J^-1 B0`` with ``J = dR/dx`` (the Lagrangian solution of the induction equation; e.g.
   Parker 1979, *Cosmical Magnetic Fields*, :cite:`parker1979`), and every such field is
   divergence-free, whatever the map R.
2. **Labels displaced along the flow.** Here the label is the point moved along X (the upstream flow
   direction, aberration ignored) by a distance psi(x) that vanishes on and outside the bow shock,
   ``R = x - psi x_hat``. J is then rank-one and the field has the closed form
   ``B = (1 - dpsi/dx) B0 + x_hat (grad psi . B0)``, whose divergence is zero identically (for any psi).
   Because psi = 0 along the shock, grad psi is along the shock normal n there, which makes ``B . n``
   continuous across the shock for every IMF and shock obliquity, and multiplies the field's components
   perpendicular to X by the compression ``k = 1 - dpsi/dx``.

The displacement: at a point between the magnetopause and the shock on the radial line of angles
(theta, phi), with r_bs, r_mp the two boundary radii, n the shock's outward normal there and
``c = n . r_hat``, the normal depth below the shock is ``d = (r_bs - r) c`` and the sheath's thickness
``L = (r_bs - r_mp) c``; with ``q = d / L`` (0 at the shock, 1 at the magnetopause),
``psi = L [(k0 - 1) q + (k1 - k0) q^2 / 2] / n_x`` and ``k0 = X``, ``k1 = M``: the compression grows
linearly from X, the Rankine-Hugoniot density ratio at the local normal Mach number (the one the plasma
model uses), to M, the plasma model's density ratio n / n1 just outside the magnetopause, so that the field
follows the plasma's compression across the sheath (B_perp / n roughly constant). n_x is floored at 0.05
(the far flanks, where the shock is weak).

At the shock, then: ``B_n`` continuous, and ``B_t = X B0_t - (X - 1) (B0_n / n_x) x_hat_t``. For a
perpendicular shock (B0_n = 0) this is the MHD jump B2 / B1 = n2 / n1 exactly; for an oblique one it
differs from the gas-dynamic jump (B_t multiplied by X, tangential flow continuous; Spreiter, Summers &
Alksne 1966, :cite:`spreiter1966`) by the term in B0_n, because the plasma is compressed along the flow
rather than along the normal.

Limitations (stated, not hidden): the field is compressed, not draped: B_n at the magnetopause is not
zero, there is no plasma depletion layer and no field-line stretching along the flanks; grad psi is taken
by central differences (step 1e-3 RE), so within that distance of a boundary the field is a blend.
"""

from __future__ import annotations

import numpy as np

from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.magnetosheath import Magnetosheath, _surface_normal, rankine_hugoniot_values

__all__ = ["DIFFERENCE_STEP_RE", "MIN_NORMAL_X", "sheath_displacement", "sheath_field_values"]

#: Step (RE) of the central differences that give grad psi.
DIFFERENCE_STEP_RE = 1e-3
#: Floor of the shock normal's X component in the displacement (the far flanks).
MIN_NORMAL_X = 0.05


def sheath_displacement(sheath: Magnetosheath, x, y, z) -> np.ndarray:
    """Plain floats: the label displacement psi (RE, along -X) at GSM points (RE); see the module notes.

    Zero at and outside the bow shock; below the magnetopause it continues with the magnetopause's
    compression (this matters only to finite differences that straddle the magnetopause).
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    r, theta, phi = cartesian_to_angles(x, y, z)
    normal, r_bs = _surface_normal(sheath._bs_kernel, sheath._bs_params, theta, phi)
    r_mp = sheath._mp_kernel(theta, phi, **sheath._mp_params)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (normal[..., 0] * x + normal[..., 1] * y + normal[..., 2] * z) / np.where(r > 0, r, 1.0)
    inside = np.isfinite(r_bs) & np.isfinite(r_mp) & (r < r_bs) & (r_mp < r_bs) & (c > 0)
    psi = np.zeros(r.shape)
    if inside.any():
        ci = c[inside]
        nx = np.maximum(normal[inside][..., 0], MIN_NORMAL_X)
        k0 = rankine_hugoniot_values(sheath.mach * np.abs(normal[inside][..., 0]), sheath.gamma)[0]
        _, _, n_mp = sheath._magnetopause_state(theta[inside], phi[inside])
        k1 = n_mp / sheath.n1
        depth = (r_bs[inside] - r[inside]) * ci
        thickness = (r_bs[inside] - r_mp[inside]) * ci
        q = np.minimum(depth / thickness, 1.0)
        below = np.maximum(depth - thickness, 0.0)
        psi[inside] = (thickness * ((k0 - 1.0) * q + 0.5 * (k1 - k0) * q * q) + below * (k1 - 1.0)) / nx
    return psi


def sheath_field_values(sheath: Magnetosheath, x, y, z, *, step: float = DIFFERENCE_STEP_RE) -> np.ndarray:
    """Plain floats: the magnetosheath field (nT, GSM), shape (..., 3), at GSM points (RE).

    ``B = (1 - dpsi/dx) B0 + x_hat (grad psi . B0)`` with B0 = ``sheath.b_gsm`` and psi of
    :func:`sheath_displacement`: the IMF outside the bow shock, the compressed IMF between the shock and
    the magnetopause. Inside the magnetopause the values are the continuation, not a magnetospheric field
    (use :mod:`smilekit.geospace.fields` there).
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    offsets = np.concatenate([np.eye(3), -np.eye(3)]) * step  # the six neighbours, in one evaluation
    psi = sheath_displacement(
        sheath, *(np.stack([x, y, z])[:, None] + offsets.T.reshape(3, 6, *([1] * x.ndim)))
    )
    grad = np.moveaxis((psi[:3] - psi[3:]) / (2.0 * step), 0, -1)
    b0 = sheath.b_gsm
    field = (1.0 - grad[..., 0])[..., None] * b0
    field[..., 0] += grad @ b0
    return field
