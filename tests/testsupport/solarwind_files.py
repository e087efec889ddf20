"""Writers of small solar-wind test files in the public formats, from one set of numbers (a "truth").

Used by tests/solarwind/test_readers_formats.py and tests/test_cli_readers.py: the same numbers written
as an SWMF IMF file, OMNI high-resolution ASCII (1-min and 5-min), an OMNI CDF as CDAWeb serves it
(OMNI_HRO_1MIN variable names and attributes, written with cdflib), a Qin-Denton-like HDF5 file (the
variable names spacepy.omni documents, written with h5py) and a CSV table. No real data: a made-up
pressure pulse with a southward turning, a few hours long.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

START = np.datetime64("2024-05-10T16:00", "ns")


def truth(minutes: int = 180, step_min: int = 1) -> dict[str, np.ndarray]:
    """A smooth made-up series: n, V GSE, B GSE and GSM (Bx shared), T, SYM-H and AL."""
    k = np.arange(0, minutes, step_min)
    time = START + (k * 60_000_000_000).astype("timedelta64[ns]")
    pulse = 1.0 / (1.0 + np.exp(-(k - minutes / 2) / 5.0))
    n = np.round(5.0 + 25.0 * pulse, 2)
    vx = np.round(-420.0 - 280.0 * pulse, 1)
    vy = np.round(10.0 * np.sin(k / 20.0), 1)
    vz = np.round(-5.0 * np.cos(k / 30.0), 1)
    bx = np.round(2.0 * np.cos(k / 25.0), 2)
    by_gse = np.round(3.0 + 2.0 * np.sin(k / 15.0), 2)
    bz_gse = np.round(2.0 - 30.0 * pulse, 2)
    # a fixed 10-degree rotation about X stands in for OMNI's own GSM columns (only their use is tested)
    c, s = np.cos(np.radians(10.0)), np.sin(np.radians(10.0))
    by_gsm = np.round(c * by_gse - s * bz_gse, 2)
    bz_gsm = np.round(s * by_gse + c * bz_gse, 2)
    t = np.round(6.0e4 + 4.0e5 * pulse, 0)
    speed = np.round(np.sqrt(vx**2 + vy**2 + vz**2), 1)
    sym_h = np.round(-10.0 - 120.0 * pulse)
    al = np.round(-50.0 - 900.0 * pulse)
    return {
        "time": time,
        "n": n,
        "v_gse": np.stack([vx, vy, vz], 1),
        "speed": speed,
        "b_gse": np.stack([bx, by_gse, bz_gse], 1),
        "b_gsm": np.stack([bx, by_gsm, bz_gsm], 1),
        "t": t,
        "pdyn": np.round(2.0e-6 * n * speed**2, 2),
        "sym_h": sym_h,
        "al": al,
    }


def _parts(time):
    t = np.asarray(time, dtype="datetime64[ms]")
    year = t.astype("datetime64[Y]")
    doy = (t.astype("datetime64[D]") - year).astype(int) + 1
    ms = (t - t.astype("datetime64[D]")).astype(int)
    return year.astype(int) + 1970, doy, ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000


def write_swmf(path: Path, data: dict, frame: str = "GSE") -> Path:
    """The standard SWMF IMF file of the truth (GSE values, or GSM field with GSE velocity)."""
    b = data["b_gse"] if frame == "GSE" else data["b_gsm"]
    lines = [
        f"Test series\n#COORDINATES\n{frame}\n\nyear mo dy hr mn sc msc bx by bz ux uy uz rho t\n#START\n"
    ]
    dates = np.asarray(data["time"], dtype="datetime64[ms]").astype(object)
    for i, when in enumerate(dates):
        v, f = data["v_gse"][i], b[i]
        stamp = when.strftime("%Y %m %d %H %M %S") + f" {when.microsecond // 1000:03d}"
        lines.append(
            f"{stamp} {f[0]:.2f} {f[1]:.2f} {f[2]:.2f} {v[0]:.1f} {v[1]:.1f} {v[2]:.1f} "
            f"{data['n'][i]:.2f} {data['t'][i]:.0f}\n"
        )
    path.write_text("".join(lines))
    return path


def write_hro(path: Path, data: dict, five_min: bool = False, fills: dict | None = None) -> Path:
    """OMNI HRO ASCII records (46 words, or 49 with the 5-min proton fluxes); ``fills`` maps a word
    number to the record indices where it holds its fill value."""
    year, doy, hour, minute, _, _ = _parts(data["time"])
    fills = fills or {}
    rows = []
    for i in range(len(year)):
        w = {
            1: f"{year[i]:4d}",
            2: f"{doy[i]:4d}",
            3: f"{hour[i]:3d}",
            4: f"{minute[i]:3d}",
            5: " 71",
            6: " 71",
            7: "  60",
            8: "  60",
            9: "   0",
            10: "   3000",
            11: "     20",
            12: "  0.05",
            13: "     60",
        }
        b, bg, v = data["b_gse"][i], data["b_gsm"][i], data["v_gse"][i]
        vals = {
            14: f"{np.linalg.norm(b):8.2f}",
            15: f"{b[0]:8.2f}",
            16: f"{b[1]:8.2f}",
            17: f"{b[2]:8.2f}",
            18: f"{bg[1]:8.2f}",
            19: f"{bg[2]:8.2f}",
            20: f"{0.5:8.2f}",
            21: f"{0.7:8.2f}",
            22: f"{data['speed'][i]:8.1f}",
            23: f"{v[0]:8.1f}",
            24: f"{v[1]:8.1f}",
            25: f"{v[2]:8.1f}",
            26: f"{data['n'][i]:7.2f}",
            27: f"{data['t'][i]:9.0f}",
            28: f"{data['pdyn'][i]:6.2f}",
            29: f"{1.0:7.2f}",
            30: f"{1.1:7.2f}",
            31: f"{9.0:6.1f}",
            **{k: f"{200.0:8.2f}" for k in range(32, 38)},
            38: f"{-data['al'][i] + 100:6.0f}",
            39: f"{data['al'][i]:6.0f}",
            40: f"{100:6.0f}",
            41: f"{3:6.0f}",
            42: f"{data['sym_h'][i]:6.0f}",
            43: f"{10:6.0f}",
            44: f"{30:6.0f}",
            45: f"{1.5:7.2f}",
            46: f"{6.5:5.1f}",
        }
        fill_text = {
            15: " 9999.99",
            16: " 9999.99",
            17: " 9999.99",
            18: " 9999.99",
            19: " 9999.99",
            22: " 99999.9",
            23: " 99999.9",
            24: " 99999.9",
            25: " 99999.9",
            26: " 999.99",
            27: " 9999999.",
            28: " 99.99",
            39: " 99999",
            42: " 99999",
        }
        w.update(vals)
        if five_min:
            w.update({47: f"{1.0:9.2f}", 48: f"{0.5:9.2f}", 49: f"{0.2:9.2f}"})
        for word, records in fills.items():
            if i in records:
                w[word] = fill_text[word]
        rows.append(" ".join(w[k] for k in sorted(w)) + "\n")
    path.write_text("".join(rows))
    return path


def write_omni_cdf(path: Path, data: dict, fills: dict | None = None) -> Path:
    """An OMNI_HRO_1MIN-like CDF: CDAWeb's variable names, FILLVAL, UNITS, DEPEND_0 and an Epoch of type
    CDF_EPOCH; ``fills`` maps a variable name to the record indices holding its FILLVAL."""
    import cdflib
    from cdflib.cdfwrite import CDF

    fills = fills or {}
    unix = (np.asarray(data["time"], dtype="datetime64[ns]").astype(np.int64)) / 1e9
    epoch = np.asarray(cdflib.cdfepoch.timestamp_to_cdfepoch(unix), dtype=float)
    b, bg, v = data["b_gse"], data["b_gsm"], data["v_gse"]
    variables = {
        "F": (np.linalg.norm(b, axis=1), "nT", 9999.99),
        "BX_GSE": (b[:, 0], "nT", 9999.99),
        "BY_GSE": (b[:, 1], "nT", 9999.99),
        "BZ_GSE": (b[:, 2], "nT", 9999.99),
        "BY_GSM": (bg[:, 1], "nT", 9999.99),
        "BZ_GSM": (bg[:, 2], "nT", 9999.99),
        "flow_speed": (data["speed"], "km/s", 99999.9),
        "Vx": (v[:, 0], "km/s", 99999.9),
        "Vy": (v[:, 1], "km/s", 99999.9),
        "Vz": (v[:, 2], "km/s", 99999.9),
        "proton_density": (data["n"], "n/cc", 999.99),
        "T": (data["t"], "Deg K", 9999999.0),
        "Pressure": (data["pdyn"], "nPa", 99.99),
        "SYM_H": (data["sym_h"], "nT", 99999),
        "AL_INDEX": (data["al"], "nT", 99999),
    }
    path.unlink(missing_ok=True)
    cdf = CDF(str(path))
    cdf.write_globalattrs(
        {"Logical_source": {0: "omni_hro_1min"}, "Project": {0: "smilekit test file, made-up numbers"}}
    )
    spec = {
        "Variable": "Epoch",
        "Data_Type": CDF.CDF_EPOCH,
        "Num_Elements": 1,
        "Rec_Vary": True,
        "Dim_Sizes": [],
    }
    cdf.write_var(spec, var_attrs={"FIELDNAM": "Time", "VAR_TYPE": "support_data"}, var_data=epoch)
    for name, (values, unit, fill) in variables.items():
        integer = name in ("SYM_H", "AL_INDEX")
        values = np.array(values, dtype=np.int32 if integer else np.float32)
        for i in fills.get(name, ()):
            values[i] = fill
        kind = CDF.CDF_INT4 if integer else CDF.CDF_REAL4
        spec = {"Variable": name, "Data_Type": kind, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": []}
        attrs = {
            "FIELDNAM": name,
            "UNITS": unit,
            "FILLVAL": [np.int32(fill)] if integer else [np.float32(fill)],
            "DEPEND_0": "Epoch",
            "VAR_TYPE": "data",
        }
        cdf.write_var(spec, var_attrs=attrs, var_data=values)
    cdf.close()
    return path


def write_qin_denton(path: Path, data: dict, *, with_density: bool = True) -> Path:
    """A Qin-Denton-like HDF5 file: ISO ``UTC`` text, Year/DOY/Hr, ByIMF/BzIMF (GSM), dens, velo (the flow
    speed), Pdyn, Kp, Dst and the G (3) and W (6) arrays; no temperature, no Bx, no velocity vector."""
    import h5py

    year, doy, hour, minute, second, _ = _parts(data["time"])
    size = len(year)
    with h5py.File(path, "w") as f:
        f["UTC"] = np.array([str(t)[:19] for t in data["time"]], dtype="S19")
        f["Year"] = year
        f["DOY"] = doy
        f["Hr"] = hour + minute / 60.0 + second / 3600.0
        f["ByIMF"] = data["b_gsm"][:, 1]
        f["BzIMF"] = data["b_gsm"][:, 2]
        if with_density:
            f["dens"] = data["n"]
        f["velo"] = data["speed"]
        f["Pdyn"] = data["pdyn"]
        f["Kp"] = np.full(size, 5.0)
        f["Dst"] = data["sym_h"]
        f["G"] = np.zeros((size, 3))
        f["W"] = np.zeros((size, 6))
        f.create_group("Qbits")
        f["Qbits/ByIMF"] = np.full(size, 2)
    return path


def write_csv(path: Path, data: dict) -> Path:
    """A CSV table with a header line, GSM field named with its frame, T in eV (unit in brackets)."""
    rows = ["time,Np,Vx_GSE,Vy_GSE,Vz_GSE,Bx,By_GSM,Bz_GSM,T [eV],SYM-H,note\n"]
    k_ev = 8.617333262e-5  # eV per K (CODATA 2018 Boltzmann constant)
    for i, when in enumerate(data["time"]):
        v, b = data["v_gse"][i], data["b_gsm"][i]
        rows.append(
            f"{str(when)[:23]}Z,{data['n'][i]},{v[0]},{v[1]},{v[2]},{b[0]},{b[1]},{b[2]},"
            f"{data['t'][i] * k_ev:.6f},{data['sym_h'][i]:.0f},ok\n"
        )
    path.write_text("".join(rows))
    return path
