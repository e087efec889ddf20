"""smilekit's local dask cluster (``evaluate``'s, ``campaign``'s, ``run``'s) listens on loopback only: its
scheduler, workers, their HTTP servers and the dashboard, in process and with worker processes, unless a
dashboard address is asked for (then only the dashboard moves). Checked on the listening sockets the
operating system reports for this process and its children (psutil); no connection is opened."""

import ipaddress

import psutil
import pytest
from typer.testing import CliRunner

import smilekit.cli
from smilekit.campaign import evaluate
from smilekit.campaign.cases import CASE_COLUMNS
from smilekit.campaign.cluster import local_cluster
from smilekit.errors import InputError


def listening():
    """``{(pid, ip, port)}`` of every socket listening in this process and its children."""
    me = psutil.Process()
    out = set()
    for process in (me, *me.children(recursive=True)):
        try:
            connections = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        out |= {
            (process.pid, c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN
        }
    return out


def opened_by(start):
    before = listening()
    cluster = start()
    return cluster, listening() - before


def assert_loopback(sockets):
    assert sockets, "the cluster listens nowhere: nothing was checked"
    outside = [s for s in sockets if not ipaddress.ip_address(s[1]).is_loopback]
    assert outside == []


def test_the_in_process_cluster_listens_on_loopback_only():
    cluster, sockets = opened_by(lambda: local_cluster(None))
    with cluster:
        assert cluster.scheduler_address.startswith("inproc://")  # not on the network at all
        assert_loopback(sockets)
        port = cluster.scheduler.http_server._sockets  # the dashboard's server: on 127.0.0.1
        assert {s.getsockname()[0] for s in port.values()} == {"127.0.0.1"}


@pytest.mark.slow
def test_worker_processes_and_their_scheduler_listen_on_loopback_only():  # ~3 s: one worker process
    cluster, sockets = opened_by(lambda: local_cluster(1))
    with cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert all(w.startswith("tcp://127.0.0.1:") for w in cluster.scheduler_info["workers"])
        assert len({pid for pid, _, _ in sockets}) == 2  # this process and the worker's
        assert_loopback(sockets)


def test_a_dashboard_address_moves_the_dashboard_only():
    # 127.0.0.2 is loopback too (127/8), so the test exposes nothing while telling the two apart
    cluster, sockets = opened_by(lambda: local_cluster(None, "127.0.0.2:0"))
    with cluster:
        port = cluster.scheduler.http_server._sockets
        assert {s.getsockname()[0] for s in port.values()} == {"127.0.0.2"}
        assert {ip for _, ip, _ in sockets} == {"127.0.0.1", "127.0.0.2"}


@pytest.mark.parametrize("address", ["8787", "localhost", "host:port", "127.0.0.1:70000", "a b:1", 8787])
def test_a_malformed_dashboard_address_is_refused(tmp_path, address):
    cases = tmp_path / "cases.csv"
    cases.write_text(",".join(CASE_COLUMNS) + "\n")
    with pytest.raises(InputError, match="is not host:port"):
        evaluate.evaluate_cases(cases, tmp_path / "out", dashboard_address=address, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_dashboard_address_with_a_running_scheduler_is_refused(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(",".join(CASE_COLUMNS) + "\n")
    with pytest.raises(InputError, match="where it was started"):
        evaluate.evaluate_cases(
            cases, tmp_path / "out", scheduler="tcp://127.0.0.1:1", dashboard_address="127.0.0.1:0"
        )


def test_the_cli_passes_dashboard_through(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(evaluate, "evaluate_cases", lambda *a, **kw: seen.append(kw))
    cases = tmp_path / "cases.csv"
    cases.write_text(",".join(CASE_COLUMNS) + "\n")
    runner = CliRunner()
    out = str(tmp_path / "o")
    result = runner.invoke(
        smilekit.cli.app, ["evaluate", str(cases), "--out", out, "--dashboard", "0.0.0.0:8787"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(smilekit.cli.app, ["evaluate", str(cases), "--out", out])
    assert result.exit_code == 0, result.output
    assert [kw["dashboard_address"] for kw in seen] == ["0.0.0.0:8787", None]
