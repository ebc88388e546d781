"""The seeded activity of the fake OpenAI organization (see ``aiusage.fake.openai``).

Why apart from the server: tests compute expected totals from these raw hourly rows, so
the data is plain and independent of how the server aggregates and pages it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ADMIN_KEY = "sk-admin-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"
PROJECT_KEY = "sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"
NOW_S = 1_767_264_000  # 2026-01-01 10:40 UTC: the fake's "now"
PROJECTS = (("proj_fake_default", "Default project"), ("proj_fake_research", "Research"))
API_KEYS = {"key_fake_app": "proj_fake_default", "key_fake_lab": "proj_fake_research"}
USER_ID = "user-fake-1"
#: $ per 1M tokens: (input, cached input, output)
PRICES = {
    "gpt-4o-2024-08-06": (2.5, 1.25, 10.0),
    "gpt-4o-mini-2024-07-18": (0.15, 0.075, 0.6),
    "o3-mini-2025-01-31": (1.1, 0.55, 4.4),
    "text-embedding-3-small": (0.02, 0.0, 0.0),
}
CHAT_MODELS = tuple(m for m in PRICES if not m.startswith("text-"))
SESSION_PRICE = 0.03  # $ per code interpreter session


@dataclass(frozen=True, slots=True)
class Row:
    """One hour's record of one kind for one group (what the fake aggregates)."""

    kind: str
    hour_s: int
    groups: dict[str, Any]
    metrics: Mapping[str, float]
    line_item: str = ""  # costs only
    quantity_unit: str | None = None


@dataclass
class Seeded:
    """The fake organization's activity: hourly rows over ``days`` days up to ``now_s``."""

    now_s: int = NOW_S
    days: int = 3
    seed: int = 7
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        last = self.now_s - self.now_s % 3600
        for hour in range(last - self.days * 86400, last + 3600, 3600):
            for key_id, project in API_KEYS.items():
                base = {"project_id": project, "api_key_id": key_id, "user_id": USER_ID}
                for model in CHAT_MODELS:
                    if rng.random() < 0.6:
                        self._completion(rng, hour, base, model)
                if rng.random() < 0.3:
                    n = rng.randint(1, 20)
                    self._add("embeddings", hour, base, "text-embedding-3-small", n, n * 300)
                if rng.random() < 0.2:
                    n = rng.randint(1, 10)
                    self._add("moderations", hour, base, "omni-moderation-latest", n, n * 80)
                if rng.random() < 0.1:
                    g = {**base, "model": "dall-e-3", "size": "1024x1024"}
                    n = rng.randint(1, 4)
                    g["source"] = "image.generation"
                    self.rows.append(Row("images", hour, g, {"images": n, "num_model_requests": n}))
                if rng.random() < 0.1:
                    m = {"characters": rng.randint(50, 4000), "num_model_requests": 1}
                    self.rows.append(Row("audio_speeches", hour, {**base, "model": "tts-1"}, m))
                if rng.random() < 0.1:
                    m = {"seconds": rng.randint(5, 600), "num_model_requests": 1}
                    g = {**base, "model": "whisper-1"}
                    self.rows.append(Row("audio_transcriptions", hour, g, m))
            for i, (project, _) in enumerate(PROJECTS):
                size = 1_000_000 * (i + 1) + (hour - last) // 36
                self.rows.append(
                    Row("vector_stores", hour, {"project_id": project}, {"usage_bytes": size})
                )
                if rng.random() < 0.15:
                    n = rng.randint(1, 3)
                    self.rows.append(
                        Row(
                            "code_interpreter_sessions",
                            hour,
                            {"project_id": project},
                            {"num_sessions": n},
                        )
                    )
                    cost = {"amount": n * SESSION_PRICE, "quantity": n}
                    self.rows.append(
                        Row(
                            "costs",
                            hour,
                            {"project_id": project},
                            cost,
                            "Code Interpreter sessions",
                        )
                    )

    def _add(
        self, kind: str, hour: int, base: dict[str, Any], model: str, n: int, tokens: int
    ) -> None:
        self.rows.append(
            Row(
                kind,
                hour,
                {**base, "model": model},
                {"input_tokens": tokens, "num_model_requests": n},
            )
        )
        if kind == "embeddings":
            self._cost(hour, base, f"{model}, input", tokens, PRICES[model][0])

    def _completion(self, rng: random.Random, hour: int, base: dict[str, Any], model: str) -> None:
        n = rng.randint(1, 40)
        uncached = n * rng.randint(200, 3000)
        cached = int(uncached * rng.choice((0.0, 0.25, 0.5)))
        write = rng.choice((0, 0, 128 * n))
        output = n * rng.randint(50, 800)
        metrics = {
            "input_tokens": uncached + cached + write,
            "input_cached_tokens": cached,
            "input_cache_write_tokens": write,
            "input_uncached_tokens": uncached,
            "output_tokens": output,
            "input_text_tokens": uncached,
            "output_text_tokens": output,
            "input_cached_text_tokens": cached,
            "input_audio_tokens": 0,
            "input_cached_audio_tokens": 0,
            "output_audio_tokens": 0,
            "input_image_tokens": 0,
            "input_cached_image_tokens": 0,
            "output_image_tokens": 0,
            "num_model_requests": n,
        }
        groups = {**base, "model": model, "batch": False, "service_tier": "default"}
        self.rows.append(Row("completions", hour, groups, metrics))
        price_in, price_cached, price_out = PRICES[model]
        self._cost(hour, base, f"{model}, input", uncached + write, price_in)
        self._cost(hour, base, f"{model}, cached input", cached, price_cached)
        self._cost(hour, base, f"{model}, output", output, price_out)

    def _cost(self, hour: int, base: dict[str, Any], item: str, tokens: int, price: float) -> None:
        if tokens:
            groups = {"project_id": base["project_id"], "api_key_id": base["api_key_id"]}
            metrics = {"amount": tokens * price / 1e6, "quantity": tokens}
            self.rows.append(Row("costs", hour, groups, metrics, item, "tokens"))
