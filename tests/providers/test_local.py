"""Ollama, vLLM and llama.cpp adapters over real loopback HTTP against aiusage.fake.local,
the Prometheus text parser, and counter deltas across collections and restarts."""

from __future__ import annotations

import asyncio
import math
import socket
import traceback
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx
import pytest

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import local as fake
from aiusage.fake.server import Reply, garbage, html_error, rate_limited, slow, truncated_json
from aiusage.records import Observation
from aiusage.sources.providers.base import STATUS, USAGE, Collected, CollectRequest
from aiusage.sources.providers.llamacpp import LlamaCppProvider
from aiusage.sources.providers.ollama import OllamaProvider
from aiusage.sources.providers.prom_text import (
    GENERATION,
    PROMPT,
    REQUESTS,
    PromParseError,
    counter_deltas,
    parse_prometheus,
)
from aiusage.sources.providers.vllm import VllmProvider

NOW = 1_766_940_000_000
MODEL = "meta-llama/Llama-3.1-8B-Instruct"
PROM = {"Content-Type": fake.PROM_TYPE}


def run(
    provider: Any,
    base_url: str,
    *,
    now_ms: int = NOW,
    key: str | None = None,
    options: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            request = CollectRequest(
                account="box",
                base_url=base_url,
                key=key,
                options=dict(options or {}),
                since_ms=0,
                now_ms=now_ms,
                client=client,
            )
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def obs(out: Collected, metric: str) -> dict[str, Observation]:
    return {o.window: o for o in out.observations if o.metric == metric}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- the Prometheus text parser -----------------------------------------------------------


def test_parser_reads_labels_escapes_comments_and_special_values() -> None:
    text = (
        "# a free comment\n"
        "# HELP odd_total Help with a \\\\ backslash and\\na newline.\n"
        "# TYPE odd_total counter\n"
        'odd_total{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",brace="}{"} 3\n'
        "  \n"
        'h_bucket{le="+Inf"} +Inf\n'
        "low -Inf\n"
        "nothing NaN 1700000000000\n"
        'trailing{a="1",} 1.5e3\n'
        "empty{} 0\n"
        "colon:name_total 7\n"
        "# EOF\n"
    )
    expo = parse_prometheus(text)
    assert expo.help == {"odd_total": "Help with a \\ backslash and\na newline."}
    assert expo.types == {"odd_total": "counter"}
    odd, bucket, low, nothing, trailing, empty, colon = expo.samples
    assert odd.labels == {"path": "C:\\dir", "quote": 'say "hi"', "nl": "a\nb", "brace": "}{"}
    assert (odd.name, odd.value, odd.timestamp_ms) == ("odd_total", 3.0, None)
    assert (bucket.labels, bucket.value) == ({"le": "+Inf"}, math.inf)
    assert low.value == -math.inf
    assert math.isnan(nothing.value) and nothing.timestamp_ms == 1_700_000_000_000
    assert (trailing.labels, trailing.value) == ({"a": "1"}, 1500.0)
    assert (empty.labels, empty.value) == ({}, 0.0)
    assert (colon.name, colon.value) == ("colon:name_total", 7.0)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("<html><body>502</body></html>", "line 1"),
        ("metric", "line 1"),
        ('metric{a="1" b="2"} 1', "bad label"),
        ('metric{a="unterminated} 1', "line 1"),
        ("metric{a=1} 1", "bad label"),
        ("metric 12abc", "is not a number"),
        ("metric 1 2 3", "line 1"),
    ],
)
def test_parser_refuses_malformed_lines(line: str, says: str) -> None:
    with pytest.raises(PromParseError, match=says):
        parse_prometheus(line + "\n")


def test_parser_reads_the_fakes_pages_completely() -> None:
    vllm = fake.FakeVllm(engines=2)
    vllm.serve(MODEL, 100, 20, cached=30)
    expo = parse_prometheus(vllm.render())
    assert expo.types["vllm:time_to_first_token_seconds"] == "histogram"
    assert expo.sum_by("model_name", "vllm:prompt_tokens_total") == {MODEL: 100.0}
    assert expo.sum_by("model_name", "vllm:kv_cache_usage_perc", peak=True) == {MODEL: 0.25}
    buckets = expo.named("vllm:time_to_first_token_seconds_bucket")
    assert {s.labels["le"] for s in buckets} == {"0.1", "1.0", "+Inf"}
    llama = fake.FakeLlamaCpp()
    assert len(parse_prometheus(llama.render()).samples) == 12


# -- counter deltas -------------------------------------------------------------------------


def reading(
    ts: int, model: str, prompt: float, gen: float, req: float, start: int | None = 1000
) -> list[Observation]:
    meta = {} if start is None else {"process_start_ms": start}
    return [
        Observation(ts, "box", metric, value, window=model, source="vllm", meta=dict(meta))
        for metric, value in ((PROMPT, prompt), (GENERATION, gen), (REQUESTS, req))
    ]


def test_deltas_without_a_previous_reading_count_everything_since_start() -> None:
    (event,) = counter_deltas([], reading(NOW, "m", 120, 30, 4))
    assert (event.input_tokens, event.output_tokens, event.requests) == (120, 30, 4)
    assert (event.ts_ms, event.model, event.provider, event.source) == (NOW, "m", "vllm", "box")
    assert event.reported_cost_usd == 0.0
    assert event.meta == {"first_reading": True, "from_ms": 1000}


def test_deltas_of_normal_growth_and_of_no_growth() -> None:
    first = reading(NOW, "m", 120, 30, 4)
    (event,) = counter_deltas(first, reading(NOW + 60_000, "m", 200, 45, 6))
    assert (event.input_tokens, event.output_tokens, event.requests) == (80, 15, 2)
    assert event.meta == {"from_ms": NOW}
    assert event.dedup_key == f"vllm:m:{NOW + 60_000}"
    assert counter_deltas(first, reading(NOW + 60_000, "m", 120, 30, 4)) == []


def test_deltas_use_the_newest_previous_reading() -> None:
    older = reading(NOW - 60_000, "m", 10, 1, 1)
    newer = reading(NOW, "m", 100, 10, 3)
    (event,) = counter_deltas(newer + older, reading(NOW + 60_000, "m", 150, 12, 4))
    assert (event.input_tokens, event.output_tokens, event.requests) == (50, 2, 1)


def test_a_counter_going_down_is_a_restart() -> None:
    before = reading(NOW, "m", 5000, 900, 40)
    (event,) = counter_deltas(before, reading(NOW + 60_000, "m", 300, 1000, 2, start=1000))
    assert (event.input_tokens, event.output_tokens, event.requests) == (300, 1000, 2)
    assert event.meta["restarted"] is True


def test_a_new_process_start_is_a_restart_even_when_counters_grew() -> None:
    before = reading(NOW, "m", 100, 10, 1, start=1000)
    (event,) = counter_deltas(before, reading(NOW + 60_000, "m", 500, 50, 5, start=NOW + 1))
    assert (event.input_tokens, event.output_tokens, event.requests) == (500, 50, 5)
    assert event.meta == {"restarted": True, "from_ms": NOW + 1}


def test_a_new_model_label_counts_in_full_and_accounts_stay_apart() -> None:
    before = reading(NOW, "a", 100, 10, 1)
    other = [Observation(NOW, "elsewhere", PROMPT, 1.0, window="b", source="vllm")]
    now = reading(NOW + 60_000, "a", 110, 11, 2) + reading(NOW + 60_000, "b", 70, 7, 1)
    events = {e.model: e for e in counter_deltas(before + other, now)}
    assert (events["a"].input_tokens, events["a"].requests) == (10, 1)
    assert (events["b"].input_tokens, events["b"].output_tokens, events["b"].requests) == (70, 7, 1)
    assert events["b"].meta["first_reading"] is True


def test_prefix_cache_hits_are_cache_reads_not_input() -> None:
    srv = fake.FakeVllm()
    with srv as url:
        first = run(VllmProvider(), url)
        srv.serve(MODEL, 1000, 100, cached=600)
        srv.serve(MODEL, 50, 5, cached=400)  # hits are clamped to the prompt
        second = run(VllmProvider(), url, now_ms=NOW + 60_000)
    (event,) = counter_deltas(first.observations, second.observations)
    assert (event.input_tokens, event.cache_read_tokens, event.output_tokens) == (50, 1000, 105)


# -- vLLM end to end ------------------------------------------------------------------------


@pytest.fixture
def vllm() -> Iterator[fake.FakeVllm]:
    srv = fake.FakeVllm(engines=2)
    with srv:
        yield srv


def test_vllm_collections_restart_and_deltas(vllm: fake.FakeVllm) -> None:
    vllm.serve(MODEL, 1200, 300, requests=3)
    vllm.serve(MODEL, 400, 4096, reason="length")
    vllm.models[MODEL].running, vllm.models[MODEL].waiting = 2, 5
    first = run(VllmProvider(), vllm.base_url)
    assert first.events == [] and first.degraded == []
    counters = {(o.metric, o.window): o for o in first.observations if o.unit != "%"}
    assert counters[(PROMPT, MODEL)].value == 1600
    assert counters[(GENERATION, MODEL)].value == 4396
    assert counters[(REQUESTS, MODEL)].value == 4
    assert counters[(REQUESTS, MODEL)].unit == "requests"
    assert counters[(PROMPT, MODEL)].meta == {"process_start_ms": 1_766_900_000_250}
    assert obs(first, "requests_running")[MODEL].value == 2
    assert obs(first, "requests_waiting")[MODEL].value == 5
    kv = obs(first, "kv_cache_used_percent")[MODEL]
    assert (kv.value, kv.limit, kv.unit) == (25.0, 100.0, "%")
    assert {o.source for o in first.observations} == {"vllm"}

    vllm.serve(MODEL, 100, 10)
    second = run(VllmProvider(), vllm.base_url, now_ms=NOW + 60_000)
    (grown,) = counter_deltas(first.observations, second.observations)
    assert (grown.input_tokens, grown.output_tokens, grown.requests) == (100, 10, 1)

    vllm.restart(start_s=NOW / 1000 + 30)
    vllm.serve(MODEL, 2000, 20)  # more than before the restart: only the start time tells
    third = run(VllmProvider(), vllm.base_url, now_ms=NOW + 120_000)
    (after,) = counter_deltas(second.observations, third.observations)
    assert (after.input_tokens, after.output_tokens, after.requests) == (2000, 20, 1)
    # Busy time since the restart: 2000/5000 s prefill + 20/60 s decode, in 90 s of uptime.
    assert after.meta == {
        "restarted": True,
        "from_ms": NOW + 30_000,
        "busy_s": 0.733,
        "elapsed_s": 90.0,
    }


def test_vllm_pre_v1_gauge_name_and_a_v1_base_url() -> None:
    with fake.FakeVllm(v0=True) as url:
        out = run(VllmProvider(), url + "/v1")
    assert obs(out, "kv_cache_used_percent")[MODEL].value == 25.0


def test_vllm_check_and_info(vllm: fake.FakeVllm) -> None:
    vllm.serve(MODEL, 10, 1, requests=7)
    said = run(VllmProvider(), vllm.base_url, check=True)
    assert said == f"vLLM at {vllm.base_url}: {MODEL}; 7 requests since start"
    info = VllmProvider.info
    assert info.key_required is False and info.reports == {USAGE, STATUS}
    assert "electricity" in info.unavailable["cost"]


def test_a_metrics_page_that_is_not_vllms(vllm: fake.FakeVllm) -> None:
    vllm.script(Reply(200, fake.FakeLlamaCpp().render(), PROM))
    with pytest.raises(SourceFormatError, match="no vllm: metrics"):
        run(VllmProvider(), vllm.base_url)


# -- errors shared by the local servers -----------------------------------------------------


@pytest.mark.parametrize("provider", [OllamaProvider(), VllmProvider(), LlamaCppProvider()])
def test_connection_refused_says_the_server_is_not_running(provider: Any) -> None:
    url = closed_port_url()
    with pytest.raises(SourceUnavailableError) as err:
        run(provider, url)
    assert f"the server is not running at {url}" in str(err.value)
    assert "start it" in err.value.hint


def test_429_retry_after_is_waited_when_short_and_reported_when_long(
    vllm: fake.FakeVllm,
) -> None:
    vllm.script(rate_limited({"detail": "slow down"}, "0"))
    assert obs(run(VllmProvider(), vllm.base_url), PROMPT)[MODEL].value == 0
    assert len(vllm.requests) == 2
    vllm.script(rate_limited({"detail": "slow down"}, "120"))
    with pytest.raises(SourceRateLimitError) as err:
        run(VllmProvider(), vllm.base_url)
    assert err.value.retry_after_s == 120.0
    assert len(vllm.requests) == 3  # a long wait is reported, not waited for


@pytest.mark.parametrize(
    ("reply", "kind", "says"),
    [
        (Reply(500, {"detail": "engine dead"}), SourceUnavailableError, "provider's side (500"),
        (html_error(502), SourceUnavailableError, "provider's side (502"),
        (garbage(), SourceFormatError, "not with Prometheus text (text/html"),
        (truncated_json(), SourceFormatError, "not with Prometheus text (application/json"),
        (Reply(200, "vllm:prompt_tokens_total 12", PROM), SourceFormatError, "cut off mid-line"),
        (Reply(200, "vllm:prompt_tokens_total{model_name=\n", PROM), SourceFormatError, "line 1"),
    ],
)
def test_vllm_failures_after_retries(
    vllm: fake.FakeVllm, reply: Reply, kind: type[SourceError], says: str
) -> None:
    vllm.script(reply, reply, reply)
    with pytest.raises(kind) as err:
        run(VllmProvider(), vllm.base_url)
    assert type(err.value) is kind
    assert says in str(err.value) and f"GET {vllm.base_url}/metrics" in str(err.value)
    assert len(vllm.requests) == 3


def test_timeout(vllm: fake.FakeVllm) -> None:
    vllm.script(slow(3.0), slow(3.0), slow(3.0))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.2 s"):
        run(VllmProvider(), vllm.base_url, timeout=0.2)


def test_chaos_gives_right_values_or_a_clean_error() -> None:
    srv = fake.FakeVllm()
    srv.serve(MODEL, 777, 88, requests=9)
    outcomes = {"ok": 0, "failed": 0}
    with srv as url:
        srv.chaos(0.3, seed=7)
        for _ in range(25):
            try:
                out = run(VllmProvider(), url, timeout=2.0)
            except SourceError as exc:
                assert isinstance(exc, SourceUnavailableError | SourceFormatError), exc
                assert url in str(exc)
                outcomes["failed"] += 1
            else:
                assert obs(out, PROMPT)[MODEL].value == 777
                assert obs(out, GENERATION)[MODEL].value == 88
                assert obs(out, REQUESTS)[MODEL].value == 9
                outcomes["ok"] += 1
    assert outcomes["ok"] >= 20  # three attempts each: chaos at 30% rarely wins thrice
    assert len(srv.requests) > 25  # and chaos did strike


# -- llama.cpp ------------------------------------------------------------------------------


def test_llamacpp_collect_model_name_gauges_and_deltas() -> None:
    srv = fake.FakeLlamaCpp()
    with srv as url:
        srv.serve(srv.model, 900, 120)
        srv.models[srv.model].running = 1
        first = run(LlamaCppProvider(), url)
        srv.serve(srv.model, 100, 30)
        second = run(LlamaCppProvider(), url, now_ms=NOW + 60_000)
        srv.restart(0.0)
        srv.serve(srv.model, 40, 4)
        third = run(LlamaCppProvider(), url, now_ms=NOW + 120_000)
        named = run(LlamaCppProvider(), url, options={"model": "coder"})
    assert first.degraded == []
    assert obs(first, PROMPT)[srv.model].value == 900
    assert obs(first, GENERATION)[srv.model].value == 120
    assert obs(first, PROMPT)[srv.model].meta == {}  # no process start time exposed
    assert REQUESTS not in {o.metric for o in first.observations}
    assert obs(first, "requests_running")[srv.model].value == 1
    assert obs(first, "kv_cache_used_percent")[srv.model].value == 25.0
    assert obs(first, "generation_tokens_per_second")[srv.model].value == 41.25
    (grown,) = counter_deltas(first.observations, second.observations)
    assert (grown.input_tokens, grown.output_tokens, grown.requests) == (100, 30, 0)
    assert (grown.provider, grown.model) == ("llamacpp", srv.model)
    (restarted,) = counter_deltas(second.observations, third.observations)
    assert (restarted.input_tokens, restarted.output_tokens) == (40, 4)
    assert restarted.meta["restarted"] is True
    assert set(obs(named, PROMPT)) == {"coder"}
    assert "/v1/models" not in srv.requests[-1].path


def test_llamacpp_without_metrics_flag() -> None:
    srv = fake.FakeLlamaCpp(metrics=False)
    with srv as url, pytest.raises(SourceError) as err:
        run(LlamaCppProvider(), url)
    assert type(err.value) is SourceError
    assert "answered 501" in str(err.value) and "--metrics" in err.value.hint
    assert len(srv.requests) == 1


def test_llamacpp_model_list_failing_degrades_only_the_name() -> None:
    srv = fake.FakeLlamaCpp()
    with srv as url:
        srv.script(Reply(200, srv.render(), PROM), *[Reply(500, {"error": "boom"})] * 3)
        out = run(LlamaCppProvider(), url)
    assert set(obs(out, PROMPT)) == {""}
    (note,) = out.degraded
    assert note.startswith("model name: llama.cpp models (GET ")


def test_llamacpp_api_key_is_sent_and_never_shown() -> None:
    key = "sk-llama-secret-0123456789"
    srv = fake.FakeLlamaCpp(api_key=key)
    with srv as url:
        assert run(LlamaCppProvider(), url, key=key, check=True).startswith("llama.cpp at ")
        assert srv.requests[0].bearer() == key
        with pytest.raises(SourceAuthError) as err:
            run(LlamaCppProvider(), url, key="wrong-" + key)
    shown = "".join(traceback.format_exception(err.value)) + err.value.hint
    assert "Invalid API Key" in shown and key not in shown


# -- Ollama ---------------------------------------------------------------------------------


@pytest.fixture
def ollama() -> Iterator[fake.FakeOllama]:
    srv = fake.FakeOllama()
    with srv:
        yield srv


def test_ollama_running_and_installed_models(ollama: fake.FakeOllama) -> None:
    out = run(OllamaProvider(), ollama.base_url)
    assert out.events == [] and out.degraded == []
    assert obs(out, "models_running")[""].value == 1
    assert obs(out, "vram_bytes")[""].value == 4294967296
    mistral = obs(out, "model_memory_bytes")["mistral:latest"]
    assert (mistral.value, mistral.unit, mistral.source) == (5137025024.0, "bytes", "ollama")
    expires = datetime.fromisoformat("2024-06-04T14:38:31.837530-07:00").timestamp() * 1000
    assert mistral.meta == {
        "size_vram": 4294967296,
        "expires_at_ms": round(expires),
        "parameter_size": "7.2B",
        "quantization_level": "Q4_0",
    }
    installed = obs(out, "models_installed")[""]
    assert installed.value == 2
    assert installed.meta == {
        "disk_bytes": 2019393189 + 4113301824,
        "models": ["llama3.2:latest", "mistral:latest"],
    }
    assert [r.path for r in ollama.requests] == ["/api/ps", "/api/tags"]


def test_ollama_nothing_loaded_and_context_length(ollama: fake.FakeOllama) -> None:
    ollama.running = []
    out = run(OllamaProvider(), ollama.base_url)
    assert obs(out, "models_running")[""].value == 0 and obs(out, "vram_bytes")[""].value == 0
    ollama.running = [dict(fake.OLLAMA_PS[0], context_length=8192, expires_at="soon")]
    meta = obs(run(OllamaProvider(), ollama.base_url), "model_memory_bytes")["mistral:latest"].meta
    assert (meta["context_length"], meta["expires_at_ms"]) == (8192, None)


def test_ollama_tags_failing_keeps_the_running_models(ollama: fake.FakeOllama) -> None:
    ollama.script(Reply(200, {"models": []}), *[html_error(502)] * 3)
    out = run(OllamaProvider(), ollama.base_url)
    assert obs(out, "models_running")[""].value == 0
    assert "models_installed" not in {o.metric for o in out.observations}
    assert out.degraded[0].startswith("installed models: Ollama /api/tags (GET ")


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (truncated_json(), "body is not JSON (application/json"),
        (garbage(), "body is not JSON (text/html"),
        (Reply(200, {"models": 3}), "expected {'models': [ … ]}"),
    ],
)
def test_ollama_bad_bodies(ollama: fake.FakeOllama, reply: Reply, says: str) -> None:
    ollama.script(reply, reply, reply)
    with pytest.raises(SourceFormatError) as err:
        run(OllamaProvider(), ollama.base_url)
    assert says in str(err.value) and "/api/ps" in str(err.value)


def test_ollama_check_info_and_chaos(ollama: fake.FakeOllama) -> None:
    said = run(OllamaProvider(), ollama.base_url, check=True)
    assert said == f"Ollama 0.5.1 at {ollama.base_url}: 1 model(s) loaded"
    info = OllamaProvider.info
    assert info.key_required is False and info.reports == {STATUS}
    assert "no usage counters" in info.unavailable[USAGE]
    ollama.chaos(0.3, seed=3)
    results = []
    for _ in range(15):
        try:
            out = run(OllamaProvider(), ollama.base_url, timeout=2.0)
        except SourceError as exc:
            assert isinstance(exc, SourceUnavailableError | SourceFormatError), exc
            results.append("error")
        else:
            assert obs(out, "model_memory_bytes")["mistral:latest"].value == 5137025024
            if out.degraded:
                assert "models_installed" not in {o.metric for o in out.observations}
                results.append("degraded")
            else:
                assert obs(out, "models_installed")[""].value == 2
                results.append("ok")
    assert results.count("ok") >= 10
