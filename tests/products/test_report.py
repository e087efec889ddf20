"""The run report, index.html: what it says (formatting, units, missing and unknown keys, failed stages)
and how it looks in a real browser (Debian's chromium, headless, driven by selenium).

The browser tests skip, with the reason, where chromium or chromedriver is absent, except under CI (the
environment variable ``CI`` set), where they fail: CI must run them.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from smilekit.products import report
from smilekit.products.report.formatting import (
    format_number,
    format_time,
    format_value,
    mapping_table,
    records_table,
    split_key,
)
from smilekit.products.report.sections import fit_range_text, section_id
from testsupport.browser import headless_chromium

# ------------------------------------------------------------------------------------------------ inputs

FIGURES = [
    ("solar_wind.png", "Solar wind (GSM field, OMNI Pdyn)"),
    ("standoff.png", "Subsolar stand-off distance of each model"),
    ("sxi_movie.gif", "SXI movie with the Shue 1998 magnetopause"),
    ("standoff_series.png", "r0 by every method against the model truth"),
    ("uvi_frame.png", "UVI, the frame of the strongest model oval"),
    ("extra_plot.png", "A figure no stage section claims"),
]


def rich_summary() -> dict:
    """A summary like a run's, with the keys the stages are gaining (provenance, indices, fit ranges, the
    peak frame), a failed stage and an unknown key."""
    return {
        "smilekit_version": "0.1.0",
        "event": "2015-06-21-high-density",
        "output": "/tmp/run",
        "stages": {
            "solar_wind": {
                "status": "ok",
                "start": "2015-06-21T15:00:00.000000000",
                "end": "2015-06-24T23:41:00.000000000",
                "cadence_s": 60.0,
                "records": 4842,
                "interpolated": 726,
                "missing": 374,
                "peak_pdyn_time": "2015-06-22T18:59:00.000000000",
                "peak_pdyn_nPa": 57.471173474400004,
                "peak_smoothing": "running mean over 5 min (the SXI exposure)",
                "peak_pdyn_sample_max_nPa": 64.1234,
                "max_density_cm-3": 65.87,
                "min_bz_gsm_nT": -39.028795379341425,
                "provenance": {
                    "source": "2015-06-21_highdensity.dat",
                    "format": "SWMF IMF",
                    "columns": {"density": "dens", "temperature": "temp"},
                    "ignored_columns": ["F10.7"],
                    "defaults": {"Bx": "0 nT: the file has no Bx column"},
                },
                "indices": {
                    "source": "2015-06-21_indices.dat",
                    "min_sym_h_nT": -204.0,
                    "min_sym_h_time": "2015-06-23T04:25:00",
                    "min_al_nT": -2156.0,
                    "min_al_time": "2015-06-22T20:05:00",
                },
                "a_new_key_nobody_knows": {"nested": [1.23456789, 2.5]},
                "seconds": 0.4,
            },
            "standoff": {
                "status": "ok",
                "shue1997": {
                    "min_RE": 3.5060477584991103,
                    "max_RE": 13.106912315352014,
                    "median_RE": 9.832862268694996,
                    "at_peak_pdyn_RE": 4.090901634936135,
                    "fit_range": {"pdyn_nPa": [0.5, 8.5], "bz_nT": [-18.0, 15.0]},
                    "outside_fit_range": {
                        "records": 1234,
                        "fraction": 0.2548,
                        "far_outside_records": 56,
                        "at_peak": True,
                        "why": {"Pdyn above 8.5 nPa": 1000, "Bz below -18 nT": 234},
                    },
                },
                "shue1998": {
                    "min_RE": 4.834718246551666,
                    "max_RE": 13.099240632732124,
                    "median_RE": 9.857080895375494,
                    "at_peak_pdyn_RE": 4.834718246551666,
                    "fit_range": {"pdyn_nPa": [0.5, 60.0]},
                    "outside_fit_range": {
                        "records": 0,
                        "fraction": 0.0,
                        "far_outside_records": 0,
                        "at_peak": False,
                        "why": {},
                    },
                },
                "seconds": 0.29,
            },
            "emissivity": {
                "status": "failed",
                "error": "ModelDomainError: the sheath <model> failed at Pdyn = 57.5 nPa",
                "seconds": 0.1,
            },
            "sxi": {
                "status": "ok",
                "frames": 2,
                "exposure_s": 300.0,
                "sxi_usable_hours": 58.0,
                "peak_frame": {
                    "start": "2015-06-22T18:56:00",
                    "end": "2015-06-22T19:01:00",
                    "contains_peak": True,
                },
                "frame_table": [
                    {
                        "time": "2015-06-21T21:57:00.000000000",
                        "counts": 20911,
                        "model_mean_keV_cm-2_s-1_sr-1": 17.915825850563603,
                        "sun_in_fov": False,
                    },
                    {
                        "time": "2015-06-22T18:56:00.000000000",
                        "counts": 19456,
                        "model_mean_keV_cm-2_s-1_sr-1": 14.826363783261504,
                        "sun_in_fov": False,
                    },
                ],
                "files": ["smile_sxi_l1_20150621T2157.fits", "sxi_movie.gif"],
                "seconds": 16.2,
            },
            "science": {
                "status": "ok",
                "frames": 2,
                "methods": {
                    "max_intensity": {
                        "answered": 2,
                        "of": 2,
                        "bias_re": -0.003220546822193399,
                        "rms_re": 0.41938651449443276,
                    },
                    "boundary_fitting_cmem": {
                        "answered": 1,
                        "of": 2,
                        "bias_re": 0.256729593320395,
                        "rms_re": None,
                    },
                },
                "cusp_answered": 1,
                "files": ["standoff_retrievals.csv"],
                "seconds": 58.84,
            },
            "uvi": {
                "status": "ok",
                "frames": 1,
                "exposure_s": 60.0,
                "pixels": 512,
                "uvi_on_samples": 181,
                "ovation_window_hours": 4,
                "skipped": {"outside_solar_wind": 0, "ovation_window_short": 180},
                "equatorward_bias_deg": 0.4667048901059731,
                "poleward_bias_deg": 0.4476362200725709,
                "frame_table": [
                    {
                        "time": "2015-06-21T18:00:00.000000000",
                        "mode": "FSM",
                        "hemispheric_power_GW": 8.677020553173495,
                        "model_hemispheric_power_GW": 8.510365958481703,
                        "equatorward_bias_deg": 1.1754791130016689,
                    }
                ],
                "files": ["smile_uvi_l3_boundaries_20150621T180000_v01.cdf", "uvi_movie.gif"],
                "seconds": 4.36,
            },
            "insitu": {
                "status": "ok",
                "samples": 72616,
                "cadence_s": 4.0,
                "kp": 2.0,
                "hours_in_region": {"solar wind": 37.244, "magnetosheath": 19.357, "magnetosphere": 24.082},
                "flagged_samples": 5726,
                "crossings": [
                    {
                        "time": "2015-06-22T00:48:30.000000000",
                        "boundary": "magnetopause",
                        "from": "magnetosphere",
                        "to": "magnetosheath",
                        "r_RE": 11.383250126367553,
                        "model_r_RE": 11.25775176676033,
                    }
                ],
                "seconds": 8.1,
            },
            "mag": {
                "status": "ok",
                "vectors": 290461,
                "vector_rate_hz": 1.0,
                "flagged_vectors": 0,
                "error_by_region": {
                    "solar wind": {"samples": 134084, "no_value": 0, "median_nT": 0.3186, "max_nT": 0.778},
                    "magnetosphere": {"samples": 86693, "no_value": 0, "median_nT": 0.3385, "max_nT": 1.677},
                },
                "files": ["smile_mag_l2_fields_20150621T150000_v01.cdf"],
                "seconds": 9.2,
            },
            "lia": {
                "status": "ok",
                "distributions": 4842,
                "every_s": 60.0,
                "field_from_mag_fraction": 1.0,
                "flagged_distributions": 4597,
                "error_by_region": {
                    "magnetosheath": {"samples": 1162, "no_value": 0, "density_median_fraction": 0.0278},
                },
                "seconds": 11.07,
            },
            "regions": {
                "status": "ok",
                "samples": 4842,
                "sample_spacing_s": 60.0,
                "score": {
                    "correct": {"solar_wind": 0.9978, "all": 0.9967},
                    "true_crossings": 28,
                    "detected": 0.5,
                },
                "crossings": [
                    {
                        "time": "2015-06-22T00:57:30",
                        "boundary": "magnetopause",
                        "direction": "outbound",
                        "r_RE": 11.54,
                    }
                ],
                "seconds": 0.56,
            },
        },
        "seconds": 85.46,
        "figures": [name for name, _ in FIGURES],
        "settings": {
            "solar_wind": {"max_interpolated_gap_min": 10.0},
            "sxi": {"pixel_deg": 0.25, "seed": 20260521},
        },
        "a_top_level_key_from_the_future": 3,
    }


def write_figures(folder: Path) -> None:
    """Small figures: PNGs from matplotlib, a three-frame GIF (no file for the missing one)."""
    for name, _ in FIGURES:
        if name.endswith(".png"):
            fig = Figure(figsize=(3, 2), dpi=50)
            fig.subplots().plot(np.arange(5), np.arange(5) ** 2)
            fig.savefig(folder / name)
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    frames[0].save(folder / "sxi_movie.gif", save_all=True, append_images=frames[1:], duration=200)


@pytest.fixture
def written(tmp_path):
    write_figures(tmp_path)
    path = report.write_index(tmp_path / "index.html", rich_summary(), FIGURES)
    return path, path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------- the formatting


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("peak_pdyn_nPa", ("peak Pdyn", "nPa")),
        ("max_density_cm-3", ("max density", "cm⁻³")),
        ("min_bz_gsm_nT", ("min Bz GSM", "nT")),
        ("at_peak_pdyn_RE", ("at peak Pdyn", "RE")),
        ("bias_re", ("bias", "RE")),
        ("model_mean_keV_cm-2_s-1_sr-1", ("model mean", "keV cm⁻² s⁻¹ sr⁻¹")),
        ("max_eV_cm-3_s-1", ("max", "eV cm⁻³ s⁻¹")),
        ("sxi_excluded_fraction", ("SXI excluded", "%")),
        ("sxi_usable_hours", ("SXI usable", "h")),
        ("hemispheric_power_err_GW", ("hemispheric power error", "GW")),
        ("min_sym_h_nT", ("min SYM-H", "nT")),
        ("counts", ("counts", "")),
        ("s", ("s", "")),  # a bare unit is a name, not a unit
    ],
)
def test_keys_become_labels_and_units(key, expected):
    assert split_key(key) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (57.471173474400004, 1, "57.5"),
        (-39.028795379341425, 1, "−39.0"),  # a true minus sign
        (4.834718246551666, 2, "4.83"),
        (121154.84959602433, 0, "121\u202f155"),  # thin thousands separator
        (0.25, 1, "0.25"),  # a small value keeps two significant digits
        (-0.001, 1, "−0.001"),
        (0.5, 1, "0.5"),
        (-0.00001, 2, "−0.00001"),
        (0.0018092830152622605, None, "1.81 × 10⁻³"),
        (0.0009996, None, "1.00 × 10⁻³"),
        (123456789.0, None, "1.23 × 10⁸"),
        (31.54308438117397, None, "31.5"),
        (4842, None, "4\u202f842"),
        (-7, None, "−7"),
        (float("nan"), 2, "—"),
        (-0.0001, 0, "−0.0001"),
        (0.04, 0, "0.04"),
    ],
)
def test_numbers_have_sensible_precision(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_no_seventeen_digit_floats_and_no_python_reprs_reach_the_page(written):
    _, page = written
    text = re.sub(r"data:[^']+", "", page)  # the embedded images are base64, not numbers
    assert not re.search(r"\d\.\d{6,}", text), re.search(r".{40}\d\.\d{6,}.{20}", text)
    for python in ("{'", "['", "True", "False", "None", "nan"):
        assert python not in text, python


def test_times_are_written_in_ut():
    assert format_time("2015-06-22T18:59:00.000000000") == "2015-06-22 18:59 UT"
    assert format_time("2015-06-22T18:59:27.689") == "2015-06-22 18:59:27 UT"
    assert format_time("not a time") is None
    assert format_value("2015-06-22T18:59:00") == "2015-06-22 18:59 UT"


def test_values_of_every_shape_become_html_not_reprs():
    assert "—" in format_value(None)
    assert format_value(True) == "yes"
    assert format_value(0.1181330028913672, "%") == "11.8"
    assert format_value([12.982535761360047, -0.24369935580178548], "RE") == "(12.98, −0.24)"
    assert format_value("<script>") == "&lt;script&gt;"
    nested = format_value({"a_km": 1.5, "b": [{"x": 1}, {"x": 2, "y": "z"}]})
    assert nested.count("<table") == 2 and "a <span class='unit'>[km]</span>" in nested
    assert "none" in format_value([]) and "none" in format_value({})
    assert format_value(object()).startswith("&lt;object")  # anything else: its escaped text


def test_tables_carry_units_in_their_headers():
    table = records_table([{"time": "2015-06-22T18:59:00", "min_RE": 4.8347}, {"extra_nT": -3.0}])
    assert "min <span class='unit'>[RE]</span>" in table and "extra <span class='unit'>[nT]</span>" in table
    assert ">4.83<" in table and ">−3.0<" in table and "2015-06-22 18:59 UT" in table
    kv = mapping_table({"peak_pdyn_nPa": 57.47, "skip_me": 1}, skip=("skip_me",))
    assert "peak Pdyn <span class='unit'>[nPa]</span>" in kv and "skip me" not in kv


def test_fit_ranges_are_written_with_units():
    assert fit_range_text({"pdyn_nPa": [0.5, 8.5], "bz_nT": [-18.0, None]}) == (
        "Pdyn 0.5–8.5\u00a0nPa; Bz ≥ −18.0\u00a0nT"
    )
    assert "—" in fit_range_text(None)
    assert "odd" in fit_range_text({"pdyn_nPa": "odd"})


def test_section_ids_are_html_ids_that_do_not_take_the_pages_own():
    assert section_id("solar_wind") == "solar-wind"
    assert section_id("summary") == "stage-summary"


# ----------------------------------------------------------------------------------------- the page's text


def test_the_summary_block_shows_the_peak_the_indices_and_the_assumed_values(written):
    _, page = written
    summary = page[page.index("id='summary'") : page.index("id='solar-wind'")]
    for text in ("57.5", "nPa", "2015-06-22 18:59 UT", "running mean over 5 min", "64.1", "65.9",
                 "−39.0", "−204.0", "2015-06-23 04:25 UT", "−2\u202f156.0", "Assumed values", "Bx",
                 "Shue et al. (1997)", "3.51–13.11", "4.09", "Shue et al. (1998)",
                 "2 of 5 min", "2015-06-22 18:56 UT", "brackets the peak",
                 "maximum intensity (Samsonov et al. 2022)", "2 / 2", "0.42", "1 / 2",
                 "North-cusp edges found in <strong>1</strong> of 2 frames"):  # fmt: skip
        assert text in summary, text
    assert "note warn" in summary  # the defaults, and the model outside its fit, are warnings
    assert "outside for 1\u202f234 records (25.5\u00a0%), 56 far, at the peak" in summary
    assert "Pdyn above 8.5 nPa (1\u202f000)" in summary


def test_a_failed_stage_shows_its_error_in_its_section_and_in_the_summary(written):
    _, page = written
    section = re.search(r"<section id='emissivity'.*?</section>", page).group(0)
    assert "badge failed" in section
    assert "ModelDomainError: the sheath &lt;model&gt; failed at Pdyn = 57.5 nPa" in section
    assert "1 of 10 stages failed" in page  # the stages of this summary


def test_the_in_situ_sections_show_the_crossings_and_the_field_errors_by_region(written):
    _, page = written
    insitu = re.search(r"<section id='insitu'.*?</section>", page).group(0)
    assert "Every boundary crossing" in insitu and "magnetopause" in insitu and "11.38" in insitu
    assert "magnetosheath" in insitu and "19.4" in insitu  # hours in the region
    mag = re.search(r"<section id='mag'.*?</section>", page).group(0)
    assert "the requirement: 2 nT" in mag and "<th scope='row'>magnetosphere</th>" in mag and ">1.7<" in mag
    assert "vector rate <span class='unit'>[Hz]</span>" in mag


def test_the_lia_and_regions_sections_show_the_moment_errors_and_the_score(written):
    _, page = written
    lia = re.search(r"<section id='lia'.*?</section>", page).group(0)
    assert "targets in the sheath: 5 %, 1 %, 10 %" in lia and "<th scope='row'>magnetosheath</th>" in lia
    regions = re.search(r"<section id='regions'.*?</section>", page).group(0)
    assert "Fraction of the time classified right" in regions and "Every crossing found" in regions
    assert "outbound" in regions and "11.54" in regions
    assert "one every 60 s" in regions and "shorter than about 150 s" in regions


def test_unknown_keys_still_appear_in_a_tidy_table(written):
    _, page = written
    assert "a new key nobody knows" in page and "(1.23, 2.50)" in page
    assert "a top level key from the future" in page


def test_models_and_methods_are_named_by_their_papers(written):
    _, page = written
    text = re.sub(r"data:[^']+", "", page)
    assert "Shue et al. (1997)" in text and "boundary fitting, CMEM emissivity" in text
    assert ">shue1997<" not in text and "max_intensity" not in text


def test_figures_are_embedded_captioned_and_a_missing_one_is_said(written):
    path, page = written
    assert page.count("src='data:image/png;base64,") == 5 and "src='data:image/gif;base64," in page
    assert "Figure 3.</strong> SXI movie" in page
    assert "was not written" not in page
    figures = page[page.index("<section id='figures'") :]
    assert "data-file='extra_plot.png'" in figures  # a figure no stage claims: in the figures section
    (path.parent / "standoff.png").unlink()
    page = report.render_index(rich_summary(), FIGURES, folder=path.parent)
    assert "The figure <code>standoff.png</code> was not written" in page


def test_a_large_movie_is_linked_beside_the_page(tmp_path, monkeypatch):
    write_figures(tmp_path)
    monkeypatch.setattr(report, "EMBED_LIMIT_BYTES", 100)
    page = report.render_index(rich_summary(), FIGURES, folder=tmp_path)
    assert "src='sxi_movie.gif'" in page and "beside this page" in page


def test_the_footer_has_the_version_settings_summary_link_and_data_policy(written):
    _, page = written
    footer = page[page.index("<footer") :]
    for text in ("smilekit 0.1.0", "run time 1 min 25 s", "href='summary.json'", "not for publication",
                 "max interpolated gap <span class='unit'>[min]</span>", ">0.25<", ">20260521<"):  # fmt: skip
        assert text in footer, text


@pytest.mark.parametrize(
    "summary",
    [
        {},
        {"stages": None},
        {"stages": {"solar_wind": {"status": "failed", "error": "InputError: no records"}}},
        {"stages": {"solar_wind": {"status": "ok"}, "standoff": {"status": "ok", "shue1997": {}}}},
        {"stages": {"sxi": {"status": "ok", "frame_table": "not a list", "peak_frame": None}}},
        {"stages": {"uvi": {"status": "ok", "frame_table": [1, 2], "skipped": 3, "frames": None}}},
        {"stages": {"insitu": {"status": "ok", "crossings": "x", "hours_in_region": [1]}}},
        {"stages": {"mag": {"status": "ok", "error_by_region": {"solar wind": 3}, "files": None}}},
        {
            "stages": {
                "science": {"status": "ok", "methods": {"m": 3}},
                "mystery": {"status": "ok", "x_nT": 1.0},
            }
        },
        {"stages": {"standoff": {"status": "ok", "shue1997": {"outside_fit_range": {"why": "??"}}}}},
        {"stages": {"solar_wind": {"status": "ok", "provenance": "a string", "indices": None}}},
        {"stages": {"solar_wind": "not a mapping"}, "settings": [1, 2]},
    ],
)
def test_missing_or_oddly_shaped_keys_never_crash_the_report(tmp_path, summary):
    page = report.write_index(tmp_path / "index.html", summary, [("nothing.png", "never drawn")]).read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for section in ("summary", "figures", "run"):
        assert f"id='{section}'" in page


def test_the_write_is_atomic(tmp_path):
    path = tmp_path / "index.html"
    path.write_text("old")
    report.write_index(path, rich_summary(), [])
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no temporary file left


def test_a_real_summary_json_renders(tmp_path):
    # the summary.json a run writes goes through json: what it holds is what the page gets
    summary = json.loads(json.dumps(rich_summary()))
    assert "Shue et al. (1997)" in report.render_index(summary, [], folder=tmp_path)


# ----------------------------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser():
    with headless_chromium("the report") as chrome:
        yield chrome


def test_the_page_loads_in_chromium_with_its_sections_numbers_and_images(written, browser):
    from selenium.webdriver.common.by import By

    path, _ = written
    browser.set_window_size(1280, 900)
    browser.get(path.as_uri())
    ids = {"summary", "solar-wind", "standoff", "emissivity", "mission", "sxi", "science", "uvi", "figures"}
    ids.add("run")
    for section in ids:
        assert browser.find_element(By.ID, section).is_displayed(), section
    summary = browser.find_element(By.ID, "summary").text
    for text in ("57.5 nPa", "2015-06-22 18:59 UT", "−204.0 nT", "Shue et al. (1997)", "3.51–13.11",
                 "maximum intensity (Samsonov et al. 2022)", "0.42", "Assumed values", "UVI frames",
                 "0.47 deg"):  # fmt: skip
        assert text in summary, text
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == 6  # five PNGs and the GIF
    for image in images:
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
    failed = browser.find_element(By.ID, "emissivity").text
    assert "This stage failed" in failed and "ModelDomainError" in failed


@pytest.mark.parametrize("width", [1280, 700])
def test_nothing_overflows_the_page_width(written, browser, width):
    path, _ = written
    browser.set_window_size(width, 900)
    browser.get(path.as_uri())
    overflow = browser.execute_script(
        """
        const limit = document.documentElement.clientWidth + 4;
        const bad = [];
        for (const el of document.body.querySelectorAll('*')) {
          if (el.closest('.table-wrap')) continue;  // wide tables scroll inside their own box
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > limit) bad.push(el.tagName + '.' + el.className + ' ' + r.right);
        }
        return [document.documentElement.scrollWidth, document.documentElement.clientWidth, bad];
        """
    )
    scroll_width, client_width, bad = overflow
    assert scroll_width <= client_width + 4 and not bad, overflow


def test_summary_json_is_written_atomically_and_reads_back(tmp_path):
    path = report.write_summary(tmp_path / "summary.json", rich_summary())
    assert json.loads(path.read_text()) == rich_summary()
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
