"""Cheaper comparable models, priced at the user's own token mix.

Prices only: the same tokens at another model's rates. Another model may need more or
fewer tokens, turns and retries for the same work, and its quality differs — every answer
says so. Alternatives come from a curated map of comparable tiers (``FAMILIES``) so that
"cheaper" never means "a toy model".

Long context is charged per request (see ``mix.Usage``); a caveat says how many of the
user's requests crossed a model's tier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiusage.analytics.mix import TokenMix, Usage
from aiusage.pricing import ModelRates

NOTE = (
    "Prices only: your tokens at another model's prices. Another model may need more or "
    "fewer tokens and turns for the same work, and its quality differs: try it first."
)

Rates = Callable[[str], ModelRates | None]  # model -> rates (on a day the caller chose)


@dataclass(frozen=True, slots=True)
class Alternative:
    model: str
    provider: str
    why: str


@dataclass(frozen=True, slots=True)
class Family:
    """Models of one tier (matched on the normalised name) and comparable cheaper ones."""

    name: str
    pattern: str
    alternatives: tuple[Alternative, ...]


_PROVIDERS = {  # name prefix -> provider, for labels and the "another provider" caveat
    **dict.fromkeys(("claude",), "anthropic"),
    **dict.fromkeys(("gpt", "chatgpt", "codex", "o1", "o3", "o4"), "openai"),
    **dict.fromkeys(("gemini", "gemma"), "google"),
    **dict.fromkeys(("kimi", "moonshot"), "moonshot"),
    **dict.fromkeys(("mistral", "codestral", "devstral"), "mistral"),
    "grok": "xai",
    "deepseek": "deepseek",
    "glm": "zai",
    "qwen": "alibaba",
}


def normalize(model: str) -> str:
    """'anthropic/claude-sonnet-4-5@20250929' and 'claude-sonnet-4-5-20250929' alike."""
    name = model.strip().lower().rsplit("/", 1)[-1].split("@", 1)[0]
    return re.sub(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$", "", name).removesuffix("-latest")


def provider_of(model: str) -> str:
    name = normalize(model)
    for prefix, provider in _PROVIDERS.items():
        if name.startswith(prefix):
            return provider
    return model.split("/", 1)[0] if "/" in model else ""


def _family(name: str, pattern: str, *alternatives: tuple[str, str]) -> Family:
    return Family(name, pattern, tuple(Alternative(m, provider_of(m), w) for m, w in alternatives))


_FLAGSHIP_GPT = "OpenAI's flagship reasoning model: frontier tier, lower token prices"
_GEMINI_PRO = "Google's top 2.5 model: frontier tier, long context"
_SONNET = "Anthropic's next tier down: close to Opus on most coding work"
_GPT5_MINI = "OpenAI's small GPT-5: good at well-scoped coding tasks"
_FLASH = "Google's fast mid-tier model with thinking"
_FLASH_LITE = "Google's cheapest 2.5 model: simple, high-volume work"
_NANO = "OpenAI's smallest GPT-5: classification, extraction, simple edits"

#: First match wins, so the narrower patterns come first.
FAMILIES: tuple[Family, ...] = (
    _family(
        "Claude Opus",
        r"^claude-(?:opus|\d(?:-\d)?-opus)",
        (
            "claude-opus-4-5",
            "Anthropic's newest Opus: the same tier at lower prices than Opus 4/4.1",
        ),
        ("claude-sonnet-4-5", _SONNET),
        ("gpt-5", _FLAGSHIP_GPT),
        ("gemini-2.5-pro", _GEMINI_PRO),
    ),
    _family(
        "Claude Sonnet",
        r"^claude-(?:sonnet|\d(?:-\d)?-sonnet)",
        ("claude-haiku-4-5", "Anthropic's small model: near Sonnet 4 on coding"),
        ("gpt-5", "OpenAI's flagship: a similar tier, cheaper input and output"),
        ("gemini-2.5-pro", "Google's top 2.5 model: a similar tier"),
        ("gpt-5-mini", _GPT5_MINI),
        ("gemini-2.5-flash", _FLASH),
    ),
    _family(
        "Claude Haiku",
        r"^claude-(?:haiku|\d(?:-\d)?-haiku)",
        ("gpt-5-mini", "OpenAI's small GPT-5: the same small-and-fast tier"),
        ("gemini-2.5-flash", "Google's fast model: the same small-and-fast tier"),
        ("gemini-2.5-flash-lite", _FLASH_LITE),
    ),
    _family(
        "GPT-5 mini",
        r"^gpt-5(?:\.\d+)?(?:-codex)?-mini",
        ("gpt-5-nano", _NANO),
        ("gemini-2.5-flash-lite", _FLASH_LITE),
    ),
    _family(
        "GPT-5 pro",
        r"^gpt-5(?:\.\d+)?-pro",
        ("gpt-5", "the same model without the extended parallel reasoning"),
    ),
    _family(
        "GPT-5",
        r"^gpt-5(?:\.\d+)?(?:-codex(?:-max)?|-chat(?:-latest)?)?$",
        ("gpt-5-mini", _GPT5_MINI),
        ("gpt-5.1-codex-mini", "the Codex-tuned small GPT-5.1, for agentic coding"),
        ("claude-haiku-4-5", "Anthropic's small model: near Sonnet 4 on coding"),
        ("gemini-2.5-flash", _FLASH),
    ),
    _family(
        "OpenAI o-series",
        r"^o[13](?:-pro|-preview)?$",
        ("gpt-5", "OpenAI's successor to the o-series reasoning models"),
        ("o4-mini", "OpenAI's small reasoning model"),
        ("gpt-5-mini", _GPT5_MINI),
    ),
    _family(
        "OpenAI o-series mini",
        r"^o[134]-mini",
        ("gpt-5-mini", "OpenAI's small GPT-5: successor to the o-mini models"),
    ),
    _family(
        "GPT-4.1",
        r"^gpt-4\.1$",
        ("gpt-4.1-mini", "the same family, smaller"),
        ("gpt-5-mini", _GPT5_MINI),
        ("gemini-2.5-flash", _FLASH),
    ),
    _family(
        "GPT-4o",
        r"^(?:chatgpt|gpt)-4o$",
        ("gpt-4.1-mini", "OpenAI's newer small model, as capable on most tasks"),
        ("gpt-5-mini", _GPT5_MINI),
        ("gpt-4o-mini", "the same family, smaller"),
    ),
    _family(
        "GPT-4 mini",
        r"^gpt-4(?:\.1|o)-mini$",
        ("gpt-4.1-nano", "OpenAI's smallest GPT-4.1"),
        ("gpt-5-nano", _NANO),
        ("gemini-2.5-flash-lite", _FLASH_LITE),
    ),
    _family(
        "Gemini Pro",
        r"^gemini-[\d.]+-pro",
        ("gemini-2.5-pro", "Google's previous Pro: the same tier"),
        ("gpt-5", "OpenAI's flagship: the same tier"),
        ("gemini-2.5-flash", "the same family, a tier down"),
        ("gpt-5-mini", _GPT5_MINI),
    ),
    _family(
        "Gemini Flash",
        r"^gemini-[\d.]+-flash(?!-lite)",
        ("gemini-2.5-flash-lite", "the same family, a tier down"),
        ("gpt-5-mini", "OpenAI's small GPT-5: the same tier"),
        ("gpt-5-nano", _NANO),
    ),
)


def family_of(model: str) -> Family | None:
    name = normalize(model)
    return next((f for f in FAMILIES if re.search(f.pattern, name)), None)


@dataclass(slots=True)
class Option:
    """One cheaper model, priced at the used model's mix."""

    model: str
    provider: str
    why: str
    cost_usd: float
    saving_usd: float
    saving_pct: float
    caveats: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ModelAdvice:
    model: str
    provider: str
    family: str
    mix: TokenMix
    cost_usd: float  # the usage at this model's own prices, as the price table has them
    recorded_usd: float  # what reports show for these tokens
    options: list[Option] = field(default_factory=list)  # cheaper ones, best first
    not_cheaper: list[str] = field(default_factory=list)
    no_price: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Advice:
    prices_day: str
    models: list[ModelAdvice] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)  # used models with no known price
    note: str = NOTE

    @property
    def best_saving_usd(self) -> float:
        return sum(m.options[0].saving_usd for m in self.models if m.options)


def candidates(model: str, extra: Sequence[str] = ()) -> list[Alternative]:
    """The curated alternatives of the model's family, then ``extra``, without the model
    itself (under any of its names) or repeats."""
    family = family_of(model)
    found = list(family.alternatives if family else ())
    found += [Alternative(m, provider_of(m), "you asked to compare it") for m in extra]
    seen = {normalize(model)}
    out = []
    for alt in found:
        if normalize(alt.model) not in seen:
            seen.add(normalize(alt.model))
            out.append(alt)
    return out


def _per_mtok(rate: float) -> str:
    return f"${rate * 1_000_000:.3g}/M"


def tier_caveat(model: str, usage: Usage, rates: ModelRates) -> str | None:
    """Say how a long-context tier was treated, when the model has one."""
    if rates.tier is None or rates.tier_threshold is None:
        return None
    if not usage.exact_for(rates):
        return base_rates_note(model, rates.tier_threshold)
    count = usage.long_requests(rates)
    return long_note(model, count, rates.tier_threshold) if count else None


def long_note(model: str, count: int, threshold: int) -> str:
    return (
        f"long context: {model} charges its higher rate for {count:,} of these requests "
        f"(over {threshold:,} input tokens)"
    )


def base_rates_note(model: str, threshold: int) -> str:
    return (
        f"long context: {model} costs more for requests over {threshold:,} input tokens; "
        "priced at base rates here"
    )


def _caveats(model: str, usage: Usage, own: ModelRates, alt: str, rates: ModelRates) -> list[str]:
    """What the price-only comparison leaves out for this pair."""
    notes = []
    if provider_of(alt) != provider_of(model):
        notes.append(f"another provider ({provider_of(alt) or 'unknown'}): other API and tools")
    mix, a, b = usage.mix, own.base, rates.base
    if mix.cached and (a.cache_read, a.cache_write_5m) != (b.cache_read, b.cache_write_5m):
        total = mix.cost(own)
        share = 1 - TokenMix(input=mix.input, output=mix.output).cost(own) / total if total else 0
        same = b.cache_write_5m == b.input and b.cache_write_1h == b.input
        writes = "writes billed as input" if same else f"writes {_per_mtok(b.cache_write_5m)}"
        notes.append(
            f"cache is {share:.0%} of the cost; assumes the same cache hits "
            f"(reads {_per_mtok(a.cache_read)} -> {_per_mtok(b.cache_read)}, {writes})"
        )
    tier = tier_caveat(alt, usage, rates)
    return [*notes, tier] if tier else notes


def advise(
    used: Mapping[str, Usage],
    rates: Rates,
    *,
    day: str,
    recorded: Mapping[str, float] | None = None,
    extra: Sequence[str] = (),
) -> Advice:
    """For each used model with tokens: cheaper comparable models at its exact usage.

    ``rates`` gives prices on ``day``; ``extra`` are models the user asked to compare
    with every used model.
    """
    result = Advice(prices_day=day)
    for model, usage in used.items():
        if usage.mix.tokens == 0:
            continue  # cost-only rows (a bill line) have no mix to reprice
        own = rates(model)
        if own is None:
            result.unpriced.append(model)
            continue
        family = family_of(model)
        current = usage.cost(own)
        advice = ModelAdvice(
            model=model,
            provider=provider_of(model),
            family=family.name if family else "",
            mix=usage.mix,
            cost_usd=current,
            recorded_usd=(recorded or {}).get(model, 0.0),
        )
        tier = tier_caveat(model, usage, own)
        advice.caveats += [tier] if tier else []
        options = candidates(model, extra)
        if not options:
            advice.caveats.append("no comparable models on file for this one")
        for candidate in options:
            alt_rates = rates(candidate.model)
            if alt_rates is None:
                advice.no_price.append(candidate.model)
                continue
            cost = usage.cost(alt_rates)
            if cost >= current:
                advice.not_cheaper.append(candidate.model)
                continue
            advice.options.append(
                Option(
                    model=candidate.model,
                    provider=candidate.provider,
                    why=candidate.why,
                    cost_usd=cost,
                    saving_usd=current - cost,
                    saving_pct=100.0 * (current - cost) / current,
                    caveats=_caveats(model, usage, own, candidate.model, alt_rates),
                )
            )
        advice.options.sort(key=lambda o: (-o.saving_usd, o.model))
        result.models.append(advice)
    result.models.sort(key=lambda m: (-m.cost_usd, m.model))
    result.unpriced.sort()
    return result
