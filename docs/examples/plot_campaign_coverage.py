"""
When SXI observes over a mission year, and how often the requirement applies
============================================================================

Every 5-min interval of a year of the mission (June 2026 to June 2027) in which SXI observes: the science
orbit propagated with J2, the Sun and the Moon, its operating modes, the 20.3 deg limb aim rule and the
Sun, Earth and Moon exclusions (:func:`smilekit.campaign.schedule.mission_frames`), each frame with the
solar wind of its time (the shipped hourly OMNI2 of 2000 at the same time of year). The requirement's
domain (a solar-wind flux above 4.9e8 cm^-2 s^-1, the spacecraft beyond 15 RE) is where SXI must locate the
magnetopause within 0.5 RE: ``smilekit campaign`` then runs every retrieval on these frames.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smilekit.campaign.schedule import mission_frames
from smilekit.science.requirement import in_requirement_domain_values

frames, schedule = mission_frames("2026-06-01", "2027-06-01")
position = frames[["sc_x", "sc_y", "sc_z"]].to_numpy(float)
flux = frames["n"].to_numpy(float) * frames["v"].to_numpy(float) * 1e5  # cm^-2 s^-1
domain = in_requirement_domain_values(flux, np.linalg.norm(position, axis=1))
print({key: schedule[key] for key in ("intervals", "sxi_observing", "excluded", "no_solar_wind", "frames")})
print(f"in the requirement's domain: {domain.sum()} frames ({domain.mean():.1%})")

# %%
# Where the frames are (GSE X-Z) and, month by month, the SXI hours and the share in the domain.
month = pd.to_datetime(frames["time"]).dt.to_period("M")
monthly = pd.DataFrame({"month": month, "domain": domain}).groupby("month")["domain"].agg(["size", "mean"])
fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained", width_ratios=[1, 1.4])
ax.scatter(position[~domain, 0], position[~domain, 2], s=1, color="0.75", label="outside the domain")
ax.scatter(position[domain, 0], position[domain, 2], s=1, color="tab:red", label="in the domain")
ax.add_patch(plt.Circle((0, 0), 1, color="tab:blue"))
ax.set_aspect("equal")
ax.set_xlabel("X GSE (RE)")
ax.set_ylabel("Z GSE (RE)")
ax.legend(markerscale=8, fontsize="small", loc="lower left")
ax.set_title("SMILE's position at each SXI frame")
labels = [str(m) for m in monthly.index]
bx.bar(labels, monthly["size"] * 5 / 60, color="0.6", label="SXI observing (h)")
bx.set_ylabel("SXI observing hours")
bx.tick_params(axis="x", rotation=60)
cx = bx.twinx()
cx.plot(labels, 100 * monthly["mean"], "o-", color="tab:red")
cx.set_ylabel("frames in the domain (%)", color="tab:red")
bx.set_title("Month by month")
plt.show()
