"""The magnetic field in the magnetosheath: the IMF frozen into the gas-dynamic sheath's compression.

This is **not** the Kobel & Flückiger (1994) potential-field model (:cite:`kobel1994`): its equations (a
Laplace solution between confocal paraboloids) could not be read here, and the smilekit boundaries are not
confocal paraboloids. It is a documented alternative built from two exact properties of ideal MHD:

1. **Cauchy's solution of the frozen-in field.** If each downstream point x carries the label R(x) of the
   upstream point its plasma came from, and the IMF B0 is uniform upstream, then
   ``B(x) = det(J) J^-1 B0`` with ``J = dR/dx`` (e.g. Parker 1979, *Cosmical Magnetic Fields*,
   :cite:`parker1979`; the "Lagrangian" solution of the induction equation). Written as
   ``B = B0x grad R_y x grad R_z + B0y grad R_z x grad R_x + B0z grad R_x x grad R_y``, every such field is
   divergence-free, whatever the map R.
2. **The gas-dynamic jump at the shock.** A map that is continuous across the bow shock and stretches the
   label depth along the shock normal n by the density ratio X gives ``J = I + (X - 1) n n^T`` just behind
   the shock, so ``B_n`` is continuous and ``B_t`` jumps by X: the jump conditions of a shock in the
   weak-field (gas-dynamic convected-field) limit, where the tangential velocity is continuous
   (Spreiter, Summers & Alksne 1966, :cite:`spreiter1966`; tangential E continuous:
   ``v_n2 B_t2 = v_n1 B_t1``). For a perpendicular shock this is the MHD jump B2/B1 = n2/n1 exactly.

The map used here: at a point between the magnetopause and the shock on the radial line of angles
(theta, phi), with r_bs, r_mp the two boundary radii, n the shock's outward normal there and
``c = n . r_hat``, the normal depth below the shock is ``d = (r_bs - r) c`` and the sheath's thickness
``L = (r_bs - r_mp) c``; the label depth is ``D(d) = L (X q + (M - X) q^2 / 2)`` with ``q = d / L``, and
the label ``R = x - (D - d) n``. The compression dD/dd grows linearly from the local shock ratio X (the
Rankine-Hugoniot density ratio at the local normal Mach number, the one the plasma model uses) to M, the
plasma model's density ratio n / n1 just outside the magnetopause: the tangential field follows the
plasma's compression across the sheath (B_t / n roughly constant), and div B = 0 holds exactly (J is
computed by central differences, step 1e-3 RE, so numerically to the truncation error).

Limitations (stated, not hidden): the map compresses along the shock normal only; it does not divert the
field lines around the obstacle, so B_n at the magnetopause is the IMF's normal component (no draping to
B_n = 0, no plasma depletion layer, no field-line stretching along the flanks); within 1e-3 RE of a
boundary the finite differences straddle it and the field there is a blend.
"""

from __future__ import annotations

import numpy as np

from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.magnetosheath import Magnetosheath, _surface_normal, rankine_hugoniot_values

__all__ = ["DIFFERENCE_STEP_RE", "sheath_field_values", "sheath_labels"]

#: Step (RE) of the central differences that give the Jacobian of the label map.
DIFFERENCE_STEP_RE = 1e-3


def sheath_labels(sheath: Magnetosheath, x, y, z) -> np.ndarray:
    """Plain floats: the upstream label R (GSM, RE), shape (..., 3), of GSM points (RE).

    Identity at and outside the bow shock and inside the magnetopause (there q is clipped to 1, the map
    continuing with the magnetopause's own displacement, which only matters to finite differences that
    straddle the magnetopause).
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    pos = np.stack([x, y, z], axis=-1)
    r, theta, phi = cartesian_to_angles(x, y, z)
    normal, r_bs = _surface_normal(sheath._bs_kernel, sheath._bs_params, theta, phi)
    r_mp = sheath._mp_kernel(theta, phi, **sheath._mp_params)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_hat = pos / np.where(r > 0, r, 1.0)[..., None]
    c = np.sum(normal * r_hat, axis=-1)
    inside = np.isfinite(r_bs) & np.isfinite(r_mp) & (r < r_bs) & (r_mp < r_bs) & (c > 0)
    shift = np.zeros(r.shape)
    if inside.any():
        ci, nx = c[inside], np.abs(normal[inside][..., 0])
        x_shock = rankine_hugoniot_values(sheath.mach * nx, sheath.gamma)[0]
        _, _, n_mp = sheath._magnetopause_state(theta[inside], phi[inside])
        m_mp = n_mp / sheath.n1
        depth = (r_bs[inside] - r[inside]) * ci
        thickness = (r_bs[inside] - r_mp[inside]) * ci
        q = np.minimum(depth / thickness, 1.0)
        label_depth = thickness * (x_shock * q + 0.5 * (m_mp - x_shock) * q * q)
        label_depth = label_depth + np.maximum(depth - thickness, 0.0) * m_mp  # below the magnetopause
        shift[inside] = label_depth - depth
    return pos - shift[..., None] * normal


def sheath_field_values(sheath: Magnetosheath, x, y, z, *, step: float = DIFFERENCE_STEP_RE) -> np.ndarray:
    """Plain floats: the frozen-in magnetosheath field (nT, GSM), shape (..., 3), at GSM points (RE).

    The IMF ``sheath.b_gsm`` outside the bow shock; between the shock and the magnetopause the field of
    the label map of :func:`sheath_labels` (see the module notes). Inside the magnetopause the values are
    the map's continuation, not a magnetospheric field (use :mod:`smilekit.geospace.fields` there).
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    grads = np.empty((*x.shape, 3, 3))  # grads[..., k, :] = grad R_k
    for axis in range(3):
        offset = [np.zeros(()), np.zeros(()), np.zeros(())]
        offset[axis] = np.asarray(step)
        hi = sheath_labels(sheath, x + offset[0], y + offset[1], z + offset[2])
        lo = sheath_labels(sheath, x - offset[0], y - offset[1], z - offset[2])
        grads[..., :, axis] = (hi - lo) / (2.0 * step)
    b0 = sheath.b_gsm
    gx, gy, gz = grads[..., 0, :], grads[..., 1, :], grads[..., 2, :]
    return b0[0] * np.cross(gy, gz) + b0[1] * np.cross(gz, gx) + b0[2] * np.cross(gx, gy)
