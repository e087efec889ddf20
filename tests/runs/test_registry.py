"""The stage registry: order, unique names, requirements met by earlier stages, declarations checked."""

import pytest

from smilekit import runs
from smilekit.errors import InputError
from smilekit.runs import JobSettings, Stage
from smilekit.runs.registry import StageRegistry, stage


def _noop(ctx):
    return {}


def _stage(name, **kw):
    return Stage(name, _noop, description=f"The {name} stage.", **kw)


def test_stages_run_in_the_order_they_were_registered():
    registry = StageRegistry([_stage("a", provides=("x",)), _stage("b", requires=("x",))])
    registry.register(_stage("c", requires=("x",)))
    assert registry.names == ("a", "b", "c")
    assert [s.name for s in registry] == ["a", "b", "c"] and len(registry) == 3
    assert registry[0].name == "a" and registry.by_name("c").requires == ("x",)


def test_the_decorator_registers_the_function_and_returns_it_unchanged():
    registry = StageRegistry()

    @stage("hello", provides="greeting", settings="sxi", description="Say hello.", registry=registry)
    def hello(ctx):
        return {}

    assert hello(None) == {}
    record = registry.by_name("hello")
    assert record.run is hello and record.provides == ("greeting",) and record.settings == "sxi"
    assert record.requires == () and not record.essential


def test_a_duplicate_name_is_refused():
    registry = StageRegistry([_stage("a")])
    with pytest.raises(InputError, match="a stage named 'a' is registered already"):
        registry.register(_stage("a"))
    assert registry.names == ("a",)


def test_a_requirement_no_earlier_stage_provides_is_refused_with_what_is_provided():
    registry = StageRegistry([_stage("a", provides=("x",))])
    with pytest.raises(
        InputError, match=r"stage 'b' requires 'y', which no stage before it provides.*'x' \(a\)"
    ):
        registry.register(_stage("b", requires=("x", "y")))
    # nor is a requirement provided only by a later stage: order matters
    with pytest.raises(InputError, match="stage 'b' requires 'z'"):
        StageRegistry([_stage("b", requires=("z",)), _stage("c", provides=("z",))])
    assert registry.names == ("a",)


def test_a_result_with_two_providers_is_refused():
    registry = StageRegistry([_stage("a", provides=("x",))])
    with pytest.raises(InputError, match="stage 'b' provides 'x', which stage 'a' provides already"):
        registry.register(_stage("b", provides=("x",)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "two words"}, "a stage name is a Python identifier"),
        ({"run": "not callable"}, "run must be a function of the context"),
        ({"settings": "ena"}, "settings 'ena' is not a registered settings section"),
        ({"description": "two\nlines"}, "description must be one line"),
        ({"description": ""}, "description must be one line"),
        ({"requires": ("",)}, "requires must be result names"),
    ],
)
def test_a_malformed_stage_is_refused(kwargs, message):
    values = {"name": "a", "run": _noop, "description": "The a stage."} | kwargs
    with pytest.raises(InputError, match=message):
        Stage(values.pop("name"), values.pop("run"), **values)


def test_only_stages_are_registered():
    with pytest.raises(InputError, match="only a Stage can be registered"):
        StageRegistry([("a", _noop)])


def test_the_job_registers_the_flow_in_order_and_every_settings_section_has_its_stage():
    assert runs.STAGES.names == (
        "solar_wind",
        "standoff",
        "emissivity",
        "mission",
        "sxi",
        "science",
        "uvi",
        "insitu",
        "mag",
        "lia",
        "regions",
    )
    assert [s.name for s in runs.STAGES if s.essential] == ["solar_wind"]
    # the telemetry stage is not registered (run_job(telemetry=True) appends it) but its section is
    from smilekit.runs.stages.telemetry import TELEMETRY_STAGE

    every = [*runs.STAGES, TELEMETRY_STAGE]
    assert {s.settings for s in every} - {None} == set(JobSettings().sections)
    assert StageRegistry(every).names[-1] == "telemetry"
    # the registered order is valid: it registers again in a fresh registry
    assert StageRegistry(runs.STAGES).names == runs.STAGES.names
