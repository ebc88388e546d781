"""Fakes of local inference servers: Ollama's JSON API, vLLM's and llama.cpp's ``/metrics``.

They speak the documented formats (provider-apis.md §8): Ollama's ``/api/ps`` and
``/api/tags``; vLLM's Prometheus page as prometheus_client writes it (HELP/TYPE lines,
``_total`` counters labelled by ``model_name`` and ``engine``, ``_created`` samples,
histograms with ``le="+Inf"``, a process start time); llama.cpp's unlabelled ``llamacpp:``
page, switched off (501) unless started with ``--metrics``. Counters grow with
``serve()`` and go back to zero on ``restart()``, as a real server's do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from aiusage.fake.server import FakeServer, Recorded, Reply

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"

OLLAMA_TAGS: list[dict[str, Any]] = [
    {
        "name": "llama3.2:latest",
        "model": "llama3.2:latest",
        "modified_at": "2024-11-04T14:56:49.277302595-07:00",
        "size": 2019393189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        },
    },
    {
        "name": "mistral:latest",
        "model": "mistral:latest",
        "modified_at": "2024-06-01T09:12:03.10293-07:00",
        "size": 4113301824,
        "digest": "2ae6f6dd7a3dd734790bbbf58b8909a606e0e7e97e94b7604e0aa7ae4490e6d8",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "7.2B",
            "quantization_level": "Q4_0",
        },
    },
]

OLLAMA_PS: list[dict[str, Any]] = [
    {
        "name": "mistral:latest",
        "model": "mistral:latest",
        "size": 5137025024,
        "digest": "2ae6f6dd7a3dd734790bbbf58b8909a606e0e7e97e94b7604e0aa7ae4490e6d8",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "7.2B",
            "quantization_level": "Q4_0",
        },
        "expires_at": "2024-06-04T14:38:31.83753-07:00",
        "size_vram": 4294967296,
    }
]


class FakeOllama(FakeServer):
    """Ollama's ``/api/version``, ``/api/tags`` and ``/api/ps``; no auth, Go's 404 page."""

    def __init__(self, *, version: str = "0.5.1") -> None:
        super().__init__()
        self.version = version
        self.installed = copy.deepcopy(OLLAMA_TAGS)
        self.running = copy.deepcopy(OLLAMA_PS)

    def answer(self, request: Recorded) -> Reply:
        path = request.path.split("?")[0]
        bodies = {
            "/api/version": {"version": self.version},
            "/api/tags": {"models": self.installed},
            "/api/ps": {"models": self.running},
        }
        if path not in bodies:
            return Reply(404, "404 page not found")
        if request.method != "GET":
            return Reply(405, "405 method not allowed")
        return self.next_scripted() or Reply(200, copy.deepcopy(bodies[path]))


@dataclass(slots=True)
class ModelCounters:
    """One served model's cumulative counters (zeroed by a restart)."""

    prompt: int = 0
    generation: int = 0
    finished: dict[str, int] = field(default_factory=lambda: {"stop": 0, "length": 0, "abort": 0})
    cache_queries: int = 0
    cache_hits: int = 0
    running: int = 0
    waiting: int = 0


class _CounterServer(FakeServer):
    """A server whose counters grow with ``serve`` and reset on ``restart``."""

    def __init__(self, models: list[str], start_s: float) -> None:
        super().__init__()
        self.models = {m: ModelCounters() for m in models}
        self.start_s = start_s
        self.kv_cache = 0.25  # 0..1

    def serve(
        self,
        model: str,
        prompt: int,
        generation: int,
        *,
        requests: int = 1,
        reason: str = "stop",
        cached: int = 0,
    ) -> None:
        counters = self.models.setdefault(model, ModelCounters())
        counters.prompt += prompt
        counters.generation += generation
        counters.finished[reason] = counters.finished.get(reason, 0) + requests
        counters.cache_queries += prompt
        counters.cache_hits += cached

    def restart(self, start_s: float) -> None:
        self.models = {m: ModelCounters() for m in self.models}
        self.start_s = start_s


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class FakeVllm(_CounterServer):
    """vLLM's ``/metrics`` (V1 names; ``v0=True`` for the older KV-cache gauge)."""

    def __init__(
        self,
        models: list[str] | None = None,
        *,
        start_s: float = 1_766_900_000.25,
        v0: bool = False,
        engines: int = 1,
    ) -> None:
        super().__init__(models or ["meta-llama/Llama-3.1-8B-Instruct"], start_s)
        self.v0 = v0
        self.engines = engines

    def answer(self, request: Recorded) -> Reply:
        path = request.path.split("?")[0]
        if path == "/health":
            return Reply(200, b"")
        if path != "/metrics":
            return Reply(404, {"detail": "Not Found"})
        return self.next_scripted() or Reply(200, self.render(), {"Content-Type": PROM_TYPE})

    def render(self) -> str:
        lines = [
            "# HELP python_gc_objects_collected_total Objects collected during gc",
            "# TYPE python_gc_objects_collected_total counter",
            'python_gc_objects_collected_total{generation="0"} 12345.0',
            "# HELP process_start_time_seconds Start time of the process since unix epoch.",
            "# TYPE process_start_time_seconds gauge",
            f"process_start_time_seconds {self.start_s}",
        ]

        def family(name: str, kind: str, help_text: str, rows: list[tuple[str, float]]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            lines.extend(f"{name}{labels} {value!r}" for labels, value in rows)

        per: dict[str, list[tuple[str, float]]] = {}
        for model, c in self.models.items():
            for engine in range(self.engines):
                share = 1 if engine == 0 else 0  # engine 0 served it all
                base = f'engine="{engine}",model_name="{_label(model)}"'
                add = per.setdefault
                add("running", []).append((f"{{{base}}}", float(c.running * share)))
                add("waiting", []).append((f"{{{base}}}", float(c.waiting * share)))
                add("kv", []).append((f"{{{base}}}", self.kv_cache))
                add("prompt", []).append((f"{{{base}}}", float(c.prompt * share)))
                add("gen", []).append((f"{{{base}}}", float(c.generation * share)))
                add("created", []).append((f"{{{base}}}", self.start_s + 5))
                add("hits", []).append((f"{{{base}}}", float(c.cache_hits * share)))
                add("queries", []).append((f"{{{base}}}", float(c.cache_queries * share)))
                for reason, n in c.finished.items():
                    labels = f'{{{base},finished_reason="{reason}"}}'
                    add("success", []).append((labels, float(n * share)))
                total = sum(c.finished.values()) * share
                busy = (c.prompt / 5000 + c.generation / 60) * share  # prefill + decode
                add("busy", []).append((f"{{{base}}}", busy))
                for le in ("0.1", "1.0", "+Inf"):
                    add("ttft", []).append((f'{{{base},le="{le}"}}', float(total)))
        family(
            "vllm:num_requests_running",
            "gauge",
            "Number of requests in model execution batches.",
            per.get("running", []),
        )
        family(
            "vllm:num_requests_waiting",
            "gauge",
            "Number of requests waiting to be processed.",
            per.get("waiting", []),
        )
        kv = "vllm:gpu_cache_usage_perc" if self.v0 else "vllm:kv_cache_usage_perc"
        family(kv, "gauge", "KV-cache usage. 1 means 100 percent usage.", per.get("kv", []))
        family(
            "vllm:prompt_tokens_total",
            "counter",
            "Number of prefill tokens processed.",
            per.get("prompt", []),
        )
        family(
            "vllm:prompt_tokens_created",
            "gauge",
            "Number of prefill tokens processed.",
            per.get("created", []),
        )
        family(
            "vllm:generation_tokens_total",
            "counter",
            "Number of generation tokens processed.",
            per.get("gen", []),
        )
        family(
            "vllm:prefix_cache_queries_total",
            "counter",
            "Prefix cache queries, in terms of number of queried tokens.",
            per.get("queries", []),
        )
        family(
            "vllm:prefix_cache_hits_total",
            "counter",
            "Prefix cache hits, in terms of number of cached tokens.",
            per.get("hits", []),
        )
        family(
            "vllm:request_success_total",
            "counter",
            "Count of successfully processed requests.",
            per.get("success", []),
        )
        running = "vllm:request_inference_time_seconds"
        lines.append(f"# HELP {running} Histogram of time spent in RUNNING phase for request.")
        lines.append(f"# TYPE {running} histogram")
        lines.extend(f"{running}_sum{labels} {v!r}" for labels, v in per.get("busy", []))
        ttft = "vllm:time_to_first_token_seconds"
        lines.append(f"# HELP {ttft} Histogram of time to first token in seconds.")
        lines.append(f"# TYPE {ttft} histogram")
        lines.extend(f"{ttft}_bucket{labels} {value!r}" for labels, value in per.get("ttft", []))
        inf = ',le="+Inf"'
        for labels, value in per.get("ttft", []):
            if inf in labels:
                lines.append(f"{ttft}_count{labels.replace(inf, '')} {value!r}")
                lines.append(f"{ttft}_sum{labels.replace(inf, '')} {value * 0.05!r}")
        return "\n".join(lines) + "\n"


class FakeLlamaCpp(_CounterServer):
    """``llama-server``: ``/metrics`` (501 unless ``metrics=True``), ``/v1/models``,
    ``/health``; with ``api_key`` set every route but ``/health`` wants the bearer key."""

    def __init__(
        self,
        model: str = "qwen2.5-coder-7b-instruct-q4_k_m.gguf",
        *,
        metrics: bool = True,
        api_key: str | None = None,
    ) -> None:
        super().__init__([model], start_s=0.0)
        self.model = model
        self.metrics = metrics
        self.api_key = api_key

    def answer(self, request: Recorded) -> Reply:
        path = request.path.split("?")[0]
        if path == "/health":
            return Reply(200, {"status": "ok"})
        if self.api_key is not None and request.bearer() != self.api_key:
            return Reply(
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid API Key",
                        "type": "authentication_error",
                    }
                },
            )
        if path == "/v1/models":
            created = 1_766_900_000
            data = [
                {
                    "id": self.model,
                    "object": "model",
                    "created": created,
                    "owned_by": "llamacpp",
                    "meta": {"n_ctx_train": 32768},
                }
            ]
            return self.next_scripted() or Reply(200, {"object": "list", "data": data})
        if path != "/metrics":
            return Reply(
                404,
                {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}},
            )
        if not self.metrics:
            message = "This server does not support metrics endpoint. Start it with `--metrics`"
            return Reply(
                501, {"error": {"code": 501, "message": message, "type": "not_supported_error"}}
            )
        return self.next_scripted() or Reply(200, self.render(), {"Content-Type": PROM_TYPE})

    def render(self) -> str:
        c = self.models.get(self.model, ModelCounters())
        rows = [
            ("prompt_tokens_total", "counter", "Number of prompt tokens processed.", c.prompt),
            ("prompt_seconds_total", "counter", "Prompt process time", c.prompt / 800),
            (
                "tokens_predicted_total",
                "counter",
                "Number of generation tokens processed.",
                c.generation,
            ),
            (
                "tokens_predicted_seconds_total",
                "counter",
                "Predict process time",
                c.generation / 40,
            ),
            ("n_decode_total", "counter", "Total number of llama_decode() calls", c.generation),
            (
                "n_busy_slots_per_decode",
                "counter",
                "Average number of busy slots per llama_decode() call",
                1.0,
            ),
            ("prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.", 812.5),
            (
                "predicted_tokens_seconds",
                "gauge",
                "Average generation throughput in tokens/s.",
                41.25,
            ),
            (
                "kv_cache_usage_ratio",
                "gauge",
                "KV-cache usage. 1 means 100 percent usage.",
                self.kv_cache,
            ),
            ("kv_cache_tokens", "gauge", "KV-cache tokens.", 1024),
            ("requests_processing", "gauge", "Number of requests processing.", c.running),
            ("requests_deferred", "gauge", "Number of requests deferred.", c.waiting),
        ]
        lines = []
        for name, kind, help_text, value in rows:
            lines += [f"# HELP llamacpp:{name} {help_text}", f"# TYPE llamacpp:{name} {kind}"]
            lines.append(f"llamacpp:{name} {value}")
        return "\n".join(lines) + "\n"
