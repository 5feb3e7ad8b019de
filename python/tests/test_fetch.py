"""sluice.fetch() and sluice.afetch() against `sluice serve`: records, what the server saw,
streaming, Ctrl-C and option errors. Facts only, never wall-clock times."""
import asyncio
import os
import signal
import threading

import pytest

import sluice

# Long enough that such a request is still in flight whenever a test looks; every test that
# uses it ends the run itself (stop, abort), so nothing waits for it.
NEVER = "?delay=60s"


def test_every_url_gets_one_record_and_the_cap_holds(server):
    urls = [server.url(f"/todos/{i}?delay=20ms") for i in range(1, 41)]
    records = list(sluice.fetch(urls, concurrency=4))
    assert sorted(r["url"] for r in records) == sorted(urls)
    assert sorted(r["index"] for r in records) == list(range(40))
    assert all(r["ok"] and r["status"] == 200 and r["error"] is None for r in records)
    assert all(r["bytes"] > 0 and r["attempts"] == 1 for r in records)
    stats = server.stats()
    assert stats["requests"] == 40
    assert 1 <= stats["peak_in_flight"] <= 4


def test_failures_are_records_with_their_kind(server):
    urls = [server.url("/status/404"), "nope://example", "http://bad host/", ""]
    records = {r["url"]: r for r in sluice.fetch(urls, retries=0)}
    assert len(records) == 4
    assert records[urls[0]]["status"] == 404
    assert records[urls[0]]["error"]["kind"] == "http"
    assert records[urls[1]]["error"]["kind"] == "unsupported_scheme"
    assert records[urls[2]]["error"]["kind"] == "invalid_url"
    assert records[urls[3]]["error"]["kind"] == "invalid_url"
    assert not any(r["ok"] for r in records.values())
    assert server.stats()["requests"] == 1


def test_records_stream_while_the_run_goes_on(server):
    urls = [server.url("/todos/1" + NEVER)] + [server.url(f"/todos/{i}") for i in range(2, 6)]
    run = sluice.fetch(urls, concurrency=5)
    fast = [next(run) for _ in range(4)]
    # Four records are here while the first URL's request is still in the server's hands.
    assert {r["url"] for r in fast} == set(urls[1:])
    assert run.report is None
    assert server.stats()["in_flight"] >= 1
    run.abort()
    rest = list(run)
    assert [r["url"] for r in rest] == [urls[0]]
    assert rest[0]["error"]["kind"] == "cancelled"
    assert run.report["urls"] == 5 and run.report["stopped"]


def test_another_thread_runs_while_fetch_waits(server):
    # The GIL is released while the main thread waits for a record: were it held, the helper
    # could not abort, and the record would come only when the server answers.
    run = sluice.fetch([server.url("/todos/1" + NEVER)])
    helper = threading.Thread(target=lambda: (wait_for_in_flight(server, 1), run.abort()))
    helper.start()
    records = list(run)
    helper.join()
    assert [r["error"]["kind"] for r in records] == ["cancelled"]


def wait_for_in_flight(server, count):
    for _ in range(1000):
        if server.stats()["in_flight"] >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"the server never had {count} requests in flight")


def test_ctrl_c_stops_then_raises_after_every_read_url_has_its_record(server):
    fast = [server.url(f"/todos/{i}") for i in (1, 2)]
    slow = [server.url(f"/todos/{i}" + NEVER) for i in range(10, 200)]
    run = sluice.fetch(fast + slow, concurrency=4, grace=0.05)
    two_records = threading.Event()
    sender_failed = []

    def interrupt():
        # Should the signal never be sent, the run is aborted, so that the test fails at once
        # instead of waiting for 190 slow answers.
        try:
            assert two_records.wait(timeout=60), "the two quick records never came"
            wait_for_in_flight(server, 2)
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException as failure:
            sender_failed.append(failure)
            run.abort()

    sender = threading.Thread(target=interrupt)
    sender.start()
    records = []
    with pytest.raises(KeyboardInterrupt):
        for record in run:
            records.append(record)
            if len(records) == 2:
                two_records.set()
    sender.join()
    assert not sender_failed
    # Every URL read has exactly one record, those not finished cancelled; nothing after.
    assert run.urls_read == run.report["urls"] == len(records)
    assert sorted(r["index"] for r in records) == list(range(len(records)))
    assert {r["url"] for r in records if r["ok"]} == set(fast)
    assert all(r["error"]["kind"] == "cancelled" for r in records if not r["ok"])
    assert run.report["stopped"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_leaving_the_loop_abandons_the_run(server):
    urls = [server.url("/todos/1")] + [server.url(f"/todos/{i}" + NEVER) for i in range(2, 10)]
    with sluice.fetch(urls, concurrency=3) as run:
        for record in run:
            break
    assert record["url"] == urls[0]
    assert list(run) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_urls_are_literal_unless_expanded(server):
    pattern = server.url("/todos/[1-3]")
    assert [r["url"] for r in sluice.fetch([pattern])] == [pattern]
    expanded = sorted(r["url"] for r in sluice.fetch([pattern], expand=True))
    assert expanded == [server.url(f"/todos/{i}") for i in (1, 2, 3)]
    assert list(sluice.fetch([])) == []


def test_body_on_request(server, tmp_path):
    [record] = sluice.fetch([server.url("/bytes/1000")], body=True)
    assert len(record["body"]) == 1000 and record["saved_to"] is None
    [kept] = sluice.fetch([server.url("/bytes/10")], body=True, output_dir=tmp_path)
    assert kept["saved_to"].startswith(str(tmp_path))
    with open(kept["saved_to"], "rb") as saved:
        assert saved.read() == kept["body"]


def test_options_are_checked_by_name():
    for option, value in [("rate", "fast"), ("rate", 0), ("per_host_rate", "-1/s"),
                          ("concurrency", 0),
                          ("concurrency", "many"), ("timeout", -1), ("engine", "rocket"),
                          ("max_body", "lots"), ("retries", 1.5)]:
        with pytest.raises(ValueError, match=f"^{option}"):
            sluice.fetch(["http://127.0.0.1/"], **{option: value})
    with pytest.raises(TypeError, match="colour"):
        sluice.fetch(["http://127.0.0.1/"], colour="red")
    with pytest.raises(TypeError):
        sluice.fetch("http://127.0.0.1/")
    with pytest.raises(ValueError):  # the library's own check: a UsageError
        sluice.fetch(["http://127.0.0.1/"], resolve=["not-a-resolve-entry"])


def test_options_reach_the_run(server):
    urls = [server.url(f"/todos/{i}?delay=20ms") for i in range(1, 31)]
    records = list(sluice.fetch(urls, concurrency="auto", engine="threads", rate="1000/s",
                                per_host=3, per_host_rate="1000/s", timeout=30, max_body="1M"))
    assert len(records) == 30 and all(r["ok"] for r in records)
    assert server.stats()["peak_in_flight"] <= 3


def test_event_loops_share_the_slots(server):
    urls = [server.url(f"/todos/{i}?delay=200ms") for i in range(1, 25)]
    run = sluice.fetch(urls, concurrency=6, event_loops=2)
    records = list(run)
    assert len(records) == 24 and all(r["ok"] for r in records)
    assert server.stats()["peak_in_flight"] == 6
    assert run.report["event_loops"] == 2
    with pytest.raises(ValueError, match="^event_loops"):
        sluice.fetch(urls, event_loops=2, max_bandwidth="1M")
    with pytest.raises(ValueError, match="^event_loops"):
        sluice.fetch(urls, event_loops="two")
    capped = sluice.fetch(urls[:2], concurrency=64, event_loops="auto", max_bandwidth="1M")
    assert [r["ok"] for r in capped] == [True, True] and capped.report["event_loops"] == 1


def test_afetch_yields_every_record(server):
    urls = [server.url(f"/todos/{i}?delay=10ms") for i in range(1, 26)]

    async def collect():
        return [record async for record in sluice.afetch(urls, concurrency=5)]

    records = asyncio.run(collect())
    assert sorted(r["url"] for r in records) == sorted(urls)
    assert server.stats()["peak_in_flight"] <= 5


def test_afetch_cancelled_aborts_the_run(server):
    urls = [server.url("/todos/1")] + [server.url(f"/todos/{i}" + NEVER) for i in range(2, 6)]

    async def first_then_cancel():
        run = sluice.afetch(urls, concurrency=5)
        first = await run.__anext__()
        # The four slow ones on the server, so that the cancel has transfers to abort (the
        # first record can come before a busy machine's reader has read the rest).
        wait_for_in_flight(server, 4)
        pending = asyncio.ensure_future(run.__anext__())
        await asyncio.sleep(0)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        return first, run

    first, run = asyncio.run(first_then_cancel())
    assert first["url"] == urls[0]
    assert run.urls_read == 5
