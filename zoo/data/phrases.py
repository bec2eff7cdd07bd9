"""Parallel phrases rendered by localization libraries: the translation recipe's embedded corpus.

Every pair is what Babel (the Unicode CLDR data) and num2words write for the same value in
English and in the target language, nothing invented here: dates ("Sunday, November 22, 2026" →
"воскресенье, 22 ноября 2026 г."), clock times ("3:45 PM" → "15:45"), amounts of money, measures
with their plural forms ("47 liters" → "47 литров"), and numbers and ordinals in words ("three
hundred and forty-two" → "триста сорок два"). The target language reorders, inflects and formats
differently, so the pairs need more than a word-for-word lookup.

Held-out values (`is_held_out`) appear only in the test split: years ending in 7, numbers whose
last two digits are 47 or 83, minutes 13 and 37, so a high test score means the model composes
what it learned instead of recalling pairs it saw.
"""

import datetime

import numpy as np

from zoo.errors import UsageError

TARGET_LANGUAGES = ("ru", "de", "fr", "es")
SPLITS = ("train", "validation", "test")
VERSION = 1  # bump when generation changes: it keys the cache
KINDS = ("date_full", "date_long", "time", "money", "measure", "cardinal", "ordinal")
UNITS = ("length-kilometer", "length-meter", "mass-kilogram", "volume-liter", "duration-hour", "duration-minute",
         "duration-day", "duration-week", "duration-month", "duration-year")
CURRENCIES = ("EUR", "USD", "GBP", "JPY")
HELD_OUT_ENDINGS = (47, 83)  # last two digits of held-out numbers
HELD_OUT_MINUTES = (13, 37)


def is_held_out(kind, value):
    """Whether `value` of `kind` is reserved for the test split."""
    if kind in ("date_full", "date_long"):
        return value.year % 10 == 7
    if kind == "time":
        return value.minute in HELD_OUT_MINUTES
    if kind == "money":
        return int(value[0]) % 100 in HELD_OUT_ENDINGS
    if kind == "measure":
        return value[0] % 100 in HELD_OUT_ENDINGS
    return value % 100 in HELD_OUT_ENDINGS


def _random_value(kind, rng):
    if kind in ("date_full", "date_long"):
        start = datetime.date(1900, 1, 1).toordinal()
        return datetime.date.fromordinal(start + int(rng.integers(0, 200 * 365)))
    if kind == "time":
        return datetime.time(int(rng.integers(0, 24)), int(rng.integers(0, 60)))
    if kind == "money":
        return float(rng.integers(1, 10_000)) + int(rng.integers(0, 4)) * 0.25, CURRENCIES[int(rng.integers(0, 4))]
    if kind == "measure":
        return int(rng.integers(1, 1000)), UNITS[int(rng.integers(0, len(UNITS)))]
    if kind == "cardinal":
        return int(rng.integers(0, 1_000_000)) if rng.random() < 0.5 else int(rng.integers(0, 1000))
    return int(rng.integers(1, 1001))


def render(kind, value, locale):
    """The text of `value` in `locale` ("en", "ru", ...), as Babel / num2words write it."""
    from babel.dates import format_date, format_time
    from babel.numbers import format_currency
    from babel.units import format_unit
    from num2words import num2words

    if kind == "date_full":
        return format_date(value, "full", locale=locale)
    if kind == "date_long":
        return format_date(value, "long", locale=locale)
    if kind == "time":
        return format_time(value, "short", locale=locale)
    if kind == "money":
        amount, currency = value
        return format_currency(amount, currency, locale=locale)
    if kind == "measure":
        count, unit = value
        return format_unit(count, unit, length="long", locale=locale)
    if kind == "cardinal":
        return num2words(value, lang=locale)
    return num2words(value, lang=locale, to="ordinal")


def generate(split, count, target="ru", seed=0):
    """`count` (english, target) pairs of `split`, deterministic in `seed`; kinds in equal shares.

    Args:
        split: "train", "validation" or "test". Test values are all held out (`is_held_out`);
            the other splits never hold one.
        count: int.
        target: "ru" (default), "de", "fr" or "es".
        seed: int.

    Returns:
        A list of `(source, target)` string pairs.
    """
    if split not in SPLITS:
        raise UsageError(f"`split` must be one of {SPLITS}; received split={split!r}.")
    if target not in TARGET_LANGUAGES:
        raise UsageError(f"`target_lang` must be one of {TARGET_LANGUAGES}; received {target!r}.")
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    pairs = []
    while len(pairs) < count:
        kind = KINDS[len(pairs) % len(KINDS)]
        value = _random_value(kind, rng)
        if is_held_out(kind, value) != (split == "test"):
            continue
        pairs.append((render(kind, value, "en"), render(kind, value, target)))
    return pairs
