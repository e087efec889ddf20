"""The main job's settings: defaults that are the job as it was, TOML overrides, and clear refusals."""

import dataclasses
import json

import astropy.units as u
import numpy as np
import pytest

from smilekit import runs
from smilekit.errors import InputError
from smilekit.runs import JobSettings, load_settings
from smilekit.runs.registry import Stage, StageRegistry
from smilekit.runs.settings import SECTIONS, SettingsSection, register_section, setting
from smilekit.runs.stages.geospace import EmissivitySettings
from smilekit.runs.stages.mission import MissionSettings
from smilekit.runs.stages.solar_wind import SolarWindSettings
from smilekit.runs.stages.sxi import SXISettings


def test_the_defaults_are_the_constants_the_job_had():
    # the module constants of smilekit/job.py before the settings object
    settings = JobSettings()
    assert settings.solar_wind.max_interpolated_gap == 10 * u.min
    assert settings.solar_wind.max_interpolated_gap.to_value(u.s) == np.timedelta64(10, "m") / np.timedelta64(
        1, "s"
    )
    assert settings.mission.max_track_samples == 5000
    assert settings.sxi.max_frames == 10
    assert settings.sxi.exposure == 5.0 * u.min and settings.sxi.exposure.unit == u.min
    assert settings.sxi.pixel == 0.25 * u.deg and settings.sxi.pixel.unit == u.deg
    assert settings.sxi.seed == 20260521
    np.testing.assert_array_equal(settings.emissivity.x, np.linspace(-10.0, 20.0, 301))
    np.testing.assert_array_equal(settings.emissivity.yz, np.linspace(-20.0, 20.0, 401))


def test_a_toml_file_overrides_what_it_names_and_keeps_the_rest(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("[sxi]\nmax_frames = 2\nexposure_min = 1\n\n[mission]\nmax_track_samples = 100\n")
    settings = load_settings(path)
    assert settings == JobSettings.from_toml(path)
    assert settings.sxi == SXISettings(max_frames=2, exposure_min=1.0)
    assert settings.sxi.exposure == 1 * u.min and isinstance(settings.sxi.exposure_min, float)
    assert settings.mission.max_track_samples == 100
    assert settings.solar_wind == SolarWindSettings() and settings.emissivity == EmissivitySettings()


def test_the_settings_round_trip_through_a_dict_and_a_toml_file(tmp_path):
    settings = JobSettings().replace(
        emissivity=EmissivitySettings(x_count=31), sxi=SXISettings(seed=0, pixel_deg=0.5)
    )
    assert JobSettings.from_dict(settings.to_dict()) == settings
    lines = []
    for section, values in settings.to_dict().items():
        # JSON writes numbers and true/false as TOML does
        lines += [f"[{section}]", *(f"{key} = {json.dumps(value)}" for key, value in values.items()), ""]
    path = tmp_path / "all.toml"
    path.write_text("\n".join(lines))
    assert load_settings(path) == settings


def test_toml_overriding_the_frames_and_exposure_gives_those_frames(short_event, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("[sxi]\nmax_frames = 2\nexposure_min = 1\n")
    stages = [runs.STAGES.by_name(name) for name in ("solar_wind", "mission", "sxi")]
    summary = runs.run_job(
        short_event, tmp_path / "out", event="t", settings=load_settings(path), stages=stages
    )
    sxi = summary["stages"]["sxi"]
    assert sxi["status"] == "ok"
    # two spread frames (the first and the last usable time) and the one nearest peak pressure, between them
    assert sxi["frames"] == 2 + 1
    assert sxi["exposure_s"] == 60.0
    assert sum(name.startswith("smile_sxi_l2_") for name in sxi["files"]) == 3
    assert summary["settings"]["sxi"] == {
        "max_frames": 2,
        "every_frame": False,
        "movie_frames": 60,
        "exposure_min": 1.0,
        "pixel_deg": 0.25,
        "seed": 20260521,
    }


BAD = [
    # (file text, what the message must name besides the file)
    ("[ena]\nexposure_min = 1\n", ["unknown section [ena]", "solar_wind, emissivity, mission, sxi, uvi"]),
    ("max_frames = 2\n", ["unknown section [max_frames]"]),
    (
        "sxi = 3\n",
        [
            "sxi = 3",
            "[sxi] must be a table",
            "max_frames, every_frame, movie_frames, exposure_min, pixel_deg, seed",
        ],
    ),
    (
        "[sxi]\nframes = 2\n",
        [
            "unknown key sxi.frames",
            "= 2",
            "max_frames, every_frame, movie_frames, exposure_min, pixel_deg, seed",
        ],
    ),
    ("[sxi]\nmax_frames = '2'\n", ["sxi.max_frames = '2' (str)", "expected an integer > 0"]),
    ("[sxi]\nmax_frames = 2.5\n", ["sxi.max_frames = 2.5", "expected an integer > 0"]),
    ("[sxi]\nmax_frames = true\n", ["sxi.max_frames = True (bool)", "expected an integer > 0"]),
    ("[sxi]\nmax_frames = 0\n", ["sxi.max_frames = 0", "expected an integer > 0"]),
    ("[sxi]\nevery_frame = 1\n", ["sxi.every_frame = 1", "expected true or false"]),
    ("[sxi]\nevery_frame = 'yes'\n", ["sxi.every_frame = 'yes' (str)", "expected true or false"]),
    ("[sxi]\nexposure_min = -5\n", ["sxi.exposure_min = -5.0", "expected a finite number > 0"]),
    ("[sxi]\nexposure_min = nan\n", ["sxi.exposure_min = nan", "expected a finite number > 0"]),
    ("[sxi]\npixel_deg = 0\n", ["sxi.pixel_deg = 0.0", "expected a finite number > 0"]),
    ("[sxi]\npixel_deg = 50\n", ["sxi.pixel_deg = 50.0", "expected a number <= 1 (the boundary fits' pixel"]),
    ("[sxi]\nexposure_min = 0.1\n", ["sxi.exposure_min = 0.1", "expected a whole number of 4-s CCD frames"]),
    ("[sxi]\nseed = -1\n", ["sxi.seed = -1", "expected an integer >= 0"]),
    ("[mission]\nmax_track_samples = 0\n", ["mission.max_track_samples = 0", "expected an integer > 0"]),
    ("[solar_wind]\nmax_interpolated_gap_min = 0\n", ["solar_wind.max_interpolated_gap_min = 0.0", "> 0"]),
    ("[emissivity]\nx_count = 1\n", ["emissivity.x_count = 1", "an integer >= 2"]),
    ("[emissivity]\nyz_stop_re = -30\n", ["emissivity.yz_stop_re = -30.0", "a number > yz_start_re = -20.0"]),
    (
        "[emissivity]\nx_start_re = 'inf'\n",
        ["emissivity.x_start_re = 'inf' (str)", "expected a finite number"],
    ),
    ("[sxi\nmax_frames = 2\n", ["not valid TOML"]),
]


@pytest.mark.parametrize(("text", "parts"), BAD, ids=[text.split("\n")[-2] for text, _ in BAD])
def test_every_bad_file_is_an_input_error_naming_the_file_key_value_and_what_is_accepted(
    tmp_path, text, parts
):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        load_settings(path)
    message = str(error.value)
    assert message.startswith(f"settings file {path}: ")
    for part in parts:
        assert part in message


def test_a_missing_file_is_an_input_error_naming_it(tmp_path):
    with pytest.raises(InputError, match=r"settings file .*nothing\.toml: cannot be read"):
        load_settings(tmp_path / "nothing.toml")


def test_settings_made_in_python_are_checked_too():
    with pytest.raises(InputError, match=r"sxi.max_frames = 0 is not accepted: expected an integer > 0"):
        SXISettings(max_frames=0)
    with pytest.raises(InputError, match=r"mission\.max_track_samples = 1\.5"):
        MissionSettings(max_track_samples=1.5)
    with pytest.raises(InputError, match=r"JobSettings\.sxi must be a SXISettings, got int 3"):
        JobSettings(sxi=3)
    with pytest.raises(
        InputError, match=r"JobSettings has no section 'ena'; the sections are solar_wind, emissivity"
    ):
        JobSettings(ena=SXISettings())
    with pytest.raises(AttributeError, match="frozen"):
        JobSettings().sxi = SXISettings()
    assert SXISettings(max_frames=np.int64(4)).max_frames == 4
    assert type(SXISettings(max_frames=np.int64(4)).max_frames) is int


@pytest.fixture
def sections_restored():
    """The registered sections as they were, after a test that registers its own."""
    saved = dict(SECTIONS)
    yield
    SECTIONS.clear()
    SECTIONS.update(saved)


def test_an_instrument_stage_brings_its_own_settings_section(sections_restored, tmp_path):
    # what a new instrument's stage module does: register its section, then a stage that reads it;
    # nothing else in smilekit.runs is edited
    @register_section
    @dataclasses.dataclass(frozen=True)
    class ENASettings(SettingsSection):
        section = "ena"
        exposure_min: float = setting(1.0)

    def stage_ena(ctx):
        return {"exposure_min": ctx.settings.ena.exposure_min}

    registry = StageRegistry(
        [
            Stage(
                "ena",
                stage_ena,
                settings="ena",
                description="The frames of an ENA imager (an instrument SMILE does not carry).",
            )
        ]
    )
    assert registry.names == ("ena",)
    assert JobSettings().ena == ENASettings()
    path = tmp_path / "run.toml"
    path.write_text("[ena]\nexposure_min = 2\n")
    settings = load_settings(path)
    assert settings.ena.exposure_min == 2.0 and settings.sxi == SXISettings()
    assert list(settings.to_dict()) == [
        "solar_wind",
        "emissivity",
        "mission",
        "sxi",
        "uvi",
        "insitu",
        "mag",
        "lia",
        "telemetry",
        "ena",
    ]
    with pytest.raises(InputError, match=r"ena.exposure_min = -1.0 is not accepted"):
        ENASettings(exposure_min=-1)


def test_a_settings_section_is_registered_once_and_must_be_a_frozen_section(sections_restored):
    with pytest.raises(InputError, match=r"a settings section \[sxi\] is registered already"):
        register_section(SXISettings)

    with pytest.raises(InputError, match="a dataclass deriving from SettingsSection"):
        register_section(dict)
    with pytest.raises(InputError, match="settings 'nothing' is not a registered settings section"):
        Stage("a", lambda ctx: {}, settings="nothing", description="A stage.")
