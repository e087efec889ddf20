"""The magnetic field in the magnetosheath: two models, Kobel & Flückiger (1994) by default.

``"kobel1994"``: the Kobel & Flückiger potential field (default)
------------------------------------------------------------------
Kobel & Flückiger (1994, :cite:`kobel1994`) model the steady sheath field as current-free, B = -grad Phi
with Laplace's equation for Phi, between a magnetopause and a bow shock that are confocal paraboloids of
revolution about the Sun-Earth line, with five parameters: the two stand-off distances and the three IMF
components (their abstract; the same set-up is restated by Narita, Schmid & Toepfer 2024,
:cite:`narita2024`, and used by Vandas & Romashets 2026, :cite:`vandas2026`, and by Soucek & Escoubet
2012, :cite:`soucek2012`). **The text of KF 1994 (and the formula sections of the papers restating it)
could not be read here**, so the equations below were derived in this module from that set-up and the
two boundary conditions, and cross-checked against an independent public implementation (function
``KF1994`` of the LPP ``spok`` package, LaboratoryOfPlasmaPhysics/spok, ``space/models/planetary.py``):
the focus at half the magnetopause stand-off and the compression factor c below are the same there. The
field of a radial IMF (the ``ln s`` term, with that focus and c) also equals, to rounding, the flow-line
field Soucek & Escoubet take from KF for an upstream field along the flow (their Eq. 3, as implemented in
the Mshpy package of Jung et al. 2024, :cite:`jung2024`, jjung11/Mshpy, ``Mshpy/Msh_Nstep_Soucek.py``;
Soucek & Escoubet's own text was not read): ``C [1/(2d) - 1/R_mp, y/(2d(d+X')), z/(2d(d+X'))]``, d the
distance from the focus, ``C = c s0^2``. A third public code, which inverts KF's linear map B = T(r) B0
to reconstruct the IMF from sheath data (Konemu/IMF_reconstruction, ``src/planet.py``; the method of
Toepfer, Narita & Schmid 2022, :cite:`toepfer2022`), has the same T in six of its nine entries; its
other three, the z-coupled (z, x), (y, z) and (z, y), carry the opposite sign, which breaks the symmetry
about X and puts field through the magnetopause, so they are sign slips there (all in
tests/geospace/test_sheath_field_kf.py). The formula sections of Narita et al. 2024 and Vandas &
Romashets 2026 stayed unreadable (searched 2026-12-05: the stored copies give their openings only). KF's
own equation numbers are *not confirmed*.

Parabolic coordinates about the focus x_f = R_mp / 2 on the X axis: with X' = x - x_f, rho^2 = y^2 + z^2,
r' = sqrt(X'^2 + rho^2), ``s^2 = r' + X'``, ``t^2 = r' - X'``, phi = atan2(z, y) (so X' = (s^2 - t^2) / 2,
rho = s t). The surfaces s = const are confocal paraboloids opening tailward, nose at x_f + s^2 / 2: the
magnetopause is s0^2 = R_mp, i.e. x = R_mp - rho^2 / (2 R_mp), and the bow shock s1^2 = 2 R_bs - R_mp.
The IMF B0 has the potential -B0 . r = -B0x (s^2 - t^2) / 2 - (B0y cos phi + B0z sin phi) s t; the
harmonic functions of the same angular orders that bend it around the magnetopause are ln s and
t cos(phi) / s, giving

``Phi = -c [B0x ((s^2 - t^2) / 2 - s0^2 ln s) + (B0y cos phi + B0z sin phi) t (s + s0^2 / s)]``

- **Magnetopause** (s = s0): dPhi/ds = 0, so B . n = 0: the field is tangent to it (no field crosses
  the magnetopause; the sheath field drapes around it).
- **Bow shock** (s = s1): dPhi/ds equals the IMF's, so the normal component B_n is continuous (div B = 0
  across the shock), which fixes ``c = s1^2 / (s1^2 - s0^2)`` (the condition of the spok implementation;
  KF's own statement of it is not confirmed. Continuity of the potential instead would keep the
  tangential field continuous and reduce B_n at the shock, against div B = 0). The tangential
  components jump: by c for the part from B0x and by c (1 + s0^2 / s1^2) for the part from B0y, B0z
  (4.3 for R_mp = 10, R_bs = 13 RE); the jump depends on the geometry only, not on the Mach number, and
  exceeds the gas-dynamic limit 4 (gamma = 5/3) where s0^2 / s1^2 > 3 / 5, i.e. for a thin sheath.

In Cartesian form (used here; no angle is computed):
``B = c [B0 + (s0^2 / s^2) B0_perp - s0^2 (B0x + 2 t b_phi / s) / (s (s^2 + t^2)) (s, t cos phi, t sin phi)]``
with B0_perp = (0, B0y, B0z) and b_phi = B0y cos phi + B0z sin phi. Along the Sun-Earth line (t = 0) the
field from B0y, B0z grows from c (1 + s0^2 / s1^2) B0 behind the shock to 2 c B0 at the magnetopause nose
(the pile-up), and the field from B0x falls from B0x (continuous) to 0 at the nose (stagnation).

**Wiring to smilekit's boundaries.** The magnetopause and bow-shock models in use (Shue et al. 1998 and
Jelínek et al. 2012 by default) are not confocal paraboloids. As in the literature's use of KF (its own
parameterisation), the KF paraboloids are fitted to the two *nose stand-off distances* of the models in use
at each time (:func:`kobel1994_standoffs`). They coincide at the noses only: KF's magnetopause has a nose
radius of curvature R_mp, Shue's about R_mp / (1 - alpha / 2) = 1.4 R_mp. For n = 5 cm^-3, V = 400 km/s,
B = (2, 3, -4) nT (stand-offs 10.3 and 14.0 RE), the cylindrical radii at X = 0, -10, -20 RE are, for the
magnetopause, 14.6, 20.4, 25.0 RE (KF) against 15.8, 20.2, 22.9 RE (Shue), and for the shock 22.2, 29.1,
34.7 RE (KF) against 23.9, 31.3, 37.3 RE (Jelínek): KF's sheath is shifted inward on the dayside flanks
and its magnetopause is wider tailward of X = -10 RE. The *region* (solar wind, sheath, magnetosphere) is
decided by smilekit's boundaries (:mod:`~smilekit.geospace.magnetosheath`), so a point can lie in smilekit's
sheath but outside KF's (s < s0 or s > s1): for the case above, 17 % of smilekit's dayside sheath
volume (all beyond KF's shock) and, over X > -30 RE, 14 % beyond KF's shock and 11 % inside KF's
magnetopause. There s is **clipped** to [s0, s1] at the same (t, phi): the field is KF's just behind its
shock or on its magnetopause (tangent to it), and the point is flagged (the second value of
:func:`kobel1994_values`; quality bit 4 of :func:`~smilekit.geospace.insitu.insitu_truth`). A conformal
or normal-depth mapping of KF's sheath onto the empirical one (Narita et al. 2024, :cite:`narita2024`)
would remove the clipping at the cost of the exact curl- and divergence-freeness; it is not done here.

``"frozen_compression"``: the IMF frozen into a compression along X (the alternative)
----------------------------------------------------------------------------------------
Built earlier, when KF's equations were not at hand, from two exact properties of ideal MHD:

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

Limitations of the alternative: the field is compressed, not draped: B_n at the magnetopause is not zero,
there is no plasma depletion layer and no field-line stretching along the flanks; grad psi is taken by
central differences (step 1e-3 RE), so within that distance of a boundary the field is a blend. KF drapes
(B_n = 0 at its magnetopause) but is current-free, so it has no plasma depletion layer either, and its
compression is set by the geometry, not by the plasma's Rankine-Hugoniot jump.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from smilekit._validation import as_scalar, as_vector
from smilekit.errors import InputError, ModelDomainError
from smilekit.geospace.boundaries import cartesian_to_angles
from smilekit.geospace.magnetosheath import Magnetosheath, _surface_normal, rankine_hugoniot_values
from smilekit.units import RE

__all__ = [
    "DEFAULT_SHEATH_FIELD",
    "DIFFERENCE_STEP_RE",
    "MIN_NORMAL_X",
    "SHEATH_FIELD_MODELS",
    "frozen_compression_values",
    "kobel1994_field",
    "kobel1994_standoffs",
    "kobel1994_values",
    "sheath_displacement",
    "sheath_field_values",
]

#: The sheath-field models by name (module notes), each with the line that describes it in a dataset's
#: attributes; and the default.
SHEATH_FIELD_MODELS = {
    "kobel1994": (
        "Kobel & Flueckiger (1994) potential field between confocal paraboloids fitted to the boundary "
        "models' nose stand-offs (smilekit.geospace.sheath_field)"
    ),
    "frozen_compression": "frozen-in IMF compressed along X (smilekit.geospace.sheath_field)",
}
DEFAULT_SHEATH_FIELD = "kobel1994"

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


def frozen_compression_values(
    sheath: Magnetosheath, x, y, z, *, step: float = DIFFERENCE_STEP_RE
) -> np.ndarray:
    """Plain floats: the ``"frozen_compression"`` sheath field (nT, GSM), shape (..., 3), at GSM points (RE).

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


def kobel1994_values(x, y, z, b_imf, r_mp: float, r_bs: float) -> tuple[np.ndarray, np.ndarray]:
    """Plain floats: the Kobel & Flückiger (1994) sheath field (nT, GSM) at GSM points (RE).

    Parameters
    ----------
    x, y, z : array_like
        GSM positions (RE), broadcast together.
    b_imf : array_like
        The IMF (nT, GSM), shape (3,).
    r_mp, r_bs : float
        Nose stand-off distances (RE) of the magnetopause and bow-shock paraboloids, 0 < r_mp < r_bs.

    Returns
    -------
    field : ndarray
        Shape (..., 3): ``B = -grad Phi`` of the module notes.
    clipped : ndarray of bool
        Where the point lies outside KF's sheath (s < s0 or s > s1); there s was clipped to [s0, s1] at the
        same (t, phi), giving the field on KF's magnetopause or just behind its shock (module notes).
        Outside the shock this is *not* the IMF: the caller decides the region.
    """
    if not 0.0 < r_mp < r_bs:
        raise ModelDomainError(
            f"the Kobel-Flückiger sheath needs 0 < r_mp < r_bs, got r_mp = {r_mp:g} RE, r_bs = {r_bs:g} RE"
        )
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    b0 = np.asarray(b_imf, dtype=np.float64)
    s0sq, s1sq = r_mp, 2.0 * r_bs - r_mp
    xp = x - 0.5 * r_mp
    rho2 = y * y + z * z
    rp = np.sqrt(xp * xp + rho2)
    plus, minus = rp + xp, rp - xp
    with np.errstate(divide="ignore", invalid="ignore"):  # s^2 t^2 = rho^2: no cancellation either side
        s2 = np.where(xp >= 0.0, plus, rho2 / minus)
        t2 = np.where(xp < 0.0, minus, rho2 / plus)
    t2 = np.where(np.isfinite(t2), t2, 0.0)  # the focus itself (0 / 0)
    s2 = np.where(np.isfinite(s2), s2, 0.0)
    s2c = np.clip(s2, s0sq, s1sq)
    clipped = s2c != s2
    s, t = np.sqrt(s2c), np.sqrt(t2)
    rho = np.sqrt(rho2)
    safe = np.where(rho > 0.0, rho, 1.0)
    cos_phi = np.where(rho > 0.0, y / safe, 1.0)
    sin_phi = np.where(rho > 0.0, z / safe, 0.0)
    c = s1sq / (s1sq - s0sq)
    b_phi = b0[1] * cos_phi + b0[2] * sin_phi
    weight = s0sq * (b0[0] + 2.0 * t * b_phi / s) / (s * (s2c + t2))
    ratio = s0sq / s2c
    field = np.empty((*x.shape, 3))
    field[..., 0] = c * (b0[0] - weight * s)
    field[..., 1] = c * (b0[1] * (1.0 + ratio) - weight * t * cos_phi)
    field[..., 2] = c * (b0[2] * (1.0 + ratio) - weight * t * sin_phi)
    return field, clipped


def kobel1994_standoffs(sheath: Magnetosheath) -> tuple[float, float]:
    """The nose stand-off distances (RE) of the sheath's magnetopause and bow-shock models (on +X_GSM):
    the two KF paraboloids fitted to them (module notes)."""
    return sheath.magnetopause_standoff_re, sheath.bow_shock_standoff_re


def kobel1994_field(positions_gsm, b_imf, magnetopause_standoff, bow_shock_standoff):
    """The Kobel & Flückiger (1994) magnetosheath field at GSM positions (:cite:`kobel1994`).

    Parameters
    ----------
    positions_gsm : Quantity
        Positions, shape (..., 3), lengths, GSM.
    b_imf : Quantity
        The IMF (GSM), shape (3,), magnetic flux density.
    magnetopause_standoff, bow_shock_standoff : Quantity
        Nose distances of the two confocal paraboloids (lengths, 0 < magnetopause < bow shock).

    Returns
    -------
    field : Quantity
        Shape (..., 3), nT, GSM.
    clipped : ndarray of bool
        Points outside KF's sheath, where the parabolic coordinate s was clipped (module notes): the field
        there is that on the nearer KF boundary, not the IMF or a magnetospheric field.

    Raises
    ------
    InputError
        Wrong units, shapes or non-finite values.
    ModelDomainError
        If the bow-shock stand-off is not beyond the magnetopause's.

    Examples
    --------
    >>> import astropy.units as u
    >>> from smilekit.units import RE
    >>> b, _ = kobel1994_field([10.0, 0, 0] * RE, [0, 0, -5] * u.nT, 10 * RE, 13 * RE)
    >>> [round(float(v), 3) for v in b.to_value(u.nT)]  # 2 c B0 at the nose, c = 16 / 6
    [0.0, 0.0, -26.667]
    """
    pos = as_vector(positions_gsm, RE, "positions_gsm")
    b0 = as_vector(b_imf, u.nT, "b_imf")
    if b0.shape != (3,):
        raise InputError(f"b_imf must be one vector of shape (3,), got shape {b0.shape}")
    r_mp = as_scalar(magnetopause_standoff, RE, "magnetopause_standoff", positive=True)
    r_bs = as_scalar(bow_shock_standoff, RE, "bow_shock_standoff", positive=True)
    field, clipped = kobel1994_values(pos[..., 0], pos[..., 1], pos[..., 2], b0, r_mp, r_bs)
    return field * u.nT, clipped


def sheath_field_values(
    sheath: Magnetosheath, x, y, z, *, model: str = DEFAULT_SHEATH_FIELD
) -> tuple[np.ndarray, np.ndarray]:
    """Plain floats: the sheath field (nT, GSM) of ``model`` (:data:`SHEATH_FIELD_MODELS`) at GSM points
    (RE) for the sheath's IMF and boundaries, and where KF's coordinate was clipped (always False for
    ``"frozen_compression"``)."""
    if model == "kobel1994":
        return kobel1994_values(x, y, z, sheath.b_gsm, *kobel1994_standoffs(sheath))
    if model == "frozen_compression":
        field = frozen_compression_values(sheath, x, y, z)
        return field, np.zeros(field.shape[:-1], dtype=bool)
    raise InputError(f"sheath_field must be one of {', '.join(SHEATH_FIELD_MODELS)}; got {model!r}")
