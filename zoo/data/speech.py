"""Synthetic speech-like utterances with a label for every sample: frame labeling's embedded dataset.

An utterance is silence, a few syllables ((C)V(C)) and silence, spoken by one speaker:

- vowels `a e i u` by formant synthesis: the harmonics of a glottal source (pitch that declines
  over the utterance and jitters, spectral tilt) shaped by four formant resonances; `aa` is `a`
  held two to three times longer, so only its duration tells it apart;
- nasals `m n`: the same low murmur; only the formant transitions of the vowels beside them
  (towards F2 ≈ 1000 Hz for m, 1700 Hz for n) tell them apart;
- stops `b d g`: a closure with a faint voice bar, then the same burst; only the transitions
  into the next vowel (F2 loci 900, 1800, 2300 Hz) tell them apart;
- fricatives `s sh f`: shaped noise (high, mid and flat spectra); `sil`: background only.

Co-articulation: formants glide between the targets of neighbouring phones and gains cross-fade at
every boundary. A speaker has a pitch range, a vocal-tract length (all formants scale with it)
and a speaking rate; each utterance adds white noise at an SNR from 10 to 35 dB. Test speakers
never appear in training or validation. So a frame-by-frame model can't label stops, nasals or
long vowels; a model that reads both neighbours can. Everything follows from the seed.
"""

import dataclasses

import numpy as np

from zoo.errors import UsageError
from zoo.data.cache import cached
from zoo.data.utterances import SAMPLE_RATE, Utterance

VERSION = 1  # bump when generation changes: it keys the cache
VOWELS = {"a": (730, 1090, 2440), "aa": (730, 1090, 2440), "e": (530, 1840, 2480), "i": (270, 2290, 3010),
          "u": (300, 870, 2240)}
NASAL_MURMUR = (250, 1100, 2200)
LOCI = {"m": (1000, 2200), "n": (1700, 2600), "b": (900, 2200), "d": (1800, 2700), "g": (2300, 2500)}  # F2, F3
FRICATIVES = {"s": (5500, 1500, 0.35), "sh": (3000, 900, 0.4), "f": (4000, 3500, 0.12)}  # centre, width, gain
STOPS = ("b", "d", "g")
NASALS = ("m", "n")
LABELS = ("sil", "a", "aa", "e", "i", "u", "m", "n", "b", "d", "g", "s", "sh", "f")
DURATIONS_MS = {"sil": (60, 160), "aa": (190, 260), "m": (55, 85), "n": (55, 85), "closure": (45, 70),
                "s": (80, 130), "sh": (80, 130), "f": (80, 130), "vowel": (70, 110)}
BURST_MS = 12
CONTROL = 80  # samples between control points (5 ms): formants, pitch and gains are set there
TRANSITION_MS = 45
SPLIT_SPEAKERS = {"train": range(0, 32), "validation": range(32, 38), "test": range(38, 46)}


@dataclasses.dataclass(frozen=True)
class Speaker:
    name: str
    pitch: float  # Hz at the start of an utterance
    tract: float  # formant scale: shorter vocal tracts raise every formant
    rate: float  # duration scale


def speaker(index, seed):
    """The speaker `index`, the same for every split and run with `seed`."""
    rng = np.random.default_rng([seed, 7, index])
    female = index % 2 == 1
    return Speaker(f"spk{index:02d}", float(rng.uniform(170, 250) if female else rng.uniform(90, 150)),
                   float(rng.uniform(1.08, 1.2) if female else rng.uniform(0.92, 1.02)), float(rng.uniform(0.85, 1.2)))


def phone_sequence(rng):
    """sil, 3–6 syllables (a stop is always followed by its vowel; nasals and fricatives also close
    syllables), an occasional pause, sil."""
    phones = ["sil"]
    for index in range(int(rng.integers(3, 7))):
        if index and rng.random() < 0.1:
            phones.append("sil")
        if rng.random() < 0.8:
            onsets = STOPS + tuple(FRICATIVES) + (() if phones[-1] in NASALS else NASALS)  # "m n" has no boundary cue
            phones.append(str(rng.choice(onsets)))
        vowels = [v for v in VOWELS if v[0] != phones[-1][0]]  # no "a a" or "aa a": a boundary you can't hear
        phones.append(str(rng.choice(vowels)))
        if rng.random() < 0.35:
            phones.append(str(rng.choice(NASALS + tuple(FRICATIVES))))
    return phones + ["sil"]


def _duration(phone, rng, rate):
    key = phone if phone in DURATIONS_MS else "vowel"
    if phone in STOPS:
        key = "closure"
    low, high = DURATIONS_MS[key]
    milliseconds = rng.uniform(low, high) * rate + (BURST_MS if phone in STOPS else 0)
    return int(milliseconds * SAMPLE_RATE / 1000) // CONTROL * CONTROL


def _formant_track(phones, bounds, tract):
    """F1–F3 at each control point: vowel targets, gliding from/to the loci of neighbouring consonants."""
    points = bounds[-1] // CONTROL
    track = np.tile(np.array(NASAL_MURMUR, float), (points, 1))
    glide = int(TRANSITION_MS * SAMPLE_RATE / 1000) // CONTROL
    for index, phone in enumerate(phones):
        start, end = bounds[index] // CONTROL, bounds[index + 1] // CONTROL
        if phone not in VOWELS:
            continue
        target = np.array(VOWELS[phone], float)
        track[start:end] = target
        for neighbour, edge in ((index - 1, "start"), (index + 1, "end")):
            locus = LOCI.get(phones[neighbour]) if 0 <= neighbour < len(phones) else None
            if locus is None:
                continue
            length = min(glide, (end - start) // 2)
            weights = np.linspace(0.0, 1.0, length)[:, None] if edge == "start" else np.linspace(1.0, 0.0, length)[:, None]
            begin = np.array([target[0] * 0.6, *locus])  # F1 is lower next to a constriction
            span = slice(start, start + length) if edge == "start" else slice(end - length, end)
            track[span] = begin + (target - begin) * weights
    smooth = np.ones(5) / 5  # 25 ms: neighbouring vowels glide into each other
    padded = np.pad(track, ((2, 2), (0, 0)), mode="edge")
    track = np.stack([np.convolve(padded[:, k], smooth, mode="valid") for k in range(3)], 1)
    return track * tract


def _voice_gain(phones, bounds):
    gains = np.zeros(bounds[-1] // CONTROL)
    for index, phone in enumerate(phones):
        start, end = bounds[index] // CONTROL, bounds[index + 1] // CONTROL
        burst = int(BURST_MS * SAMPLE_RATE / 1000) // CONTROL
        gains[start:end] = 1.0 if phone in VOWELS else 0.3 if phone in NASALS else 0.0
        if phone in STOPS:
            gains[start:end - burst] = 0.04  # voice bar during the closure
    return np.convolve(gains, np.ones(3) / 3, mode="same")  # 15 ms cross-fade at boundaries


def _resonances(frequencies, formants, bandwidths):
    """|H(f)| of a cascade of two-pole resonators, normalized to 1 at f = 0."""
    response = np.ones_like(frequencies)
    for index in range(formants.shape[-1]):
        centre, half = formants[..., index:index + 1], bandwidths[index] / 2
        response *= (centre ** 2 + half ** 2) / np.sqrt(((frequencies - centre) ** 2 + half ** 2)
                                                        * ((frequencies + centre) ** 2 + half ** 2))
    return response


def _voiced(formants, gains, who, rng, num_samples):
    """The harmonics of a glottal source under the formant envelope, up to 5 kHz."""
    points = len(gains)
    contour = who.pitch * np.linspace(1.1, 0.85, points) * (1 + 0.02 * rng.standard_normal(points).cumsum() / np.sqrt(points))
    harmonics = np.arange(1, int(5000 / contour.min()) + 1)
    frequencies = contour[:, None] * harmonics[None, :]  # (points, harmonics)
    four = np.concatenate([formants, np.full((points, 1), 3500.0 * who.tract)], 1)
    amplitude = _resonances(frequencies, four, (90, 110, 160, 250)) / harmonics ** 0.5  # a glottal source after lip radiation
    amplitude *= (frequencies < 5000) * gains[:, None]
    time = np.arange(num_samples) / CONTROL
    sample_pitch = np.interp(time, np.arange(points), contour)
    phase = 2 * np.pi * np.cumsum(sample_pitch) / SAMPLE_RATE
    wave = np.zeros(num_samples)
    for k, harmonic in enumerate(harmonics):
        envelope = np.interp(time, np.arange(points), amplitude[:, k])
        if envelope.max() > 1e-6:
            wave += envelope * np.sin(harmonic * phase)
    return wave


def _shaped_noise(rng, length, centre, width):
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequencies = np.fft.rfftfreq(length, 1 / SAMPLE_RATE)
    return np.fft.irfft(spectrum * np.exp(-0.5 * ((frequencies - centre) / width) ** 2), length)


def _ramp(length, edge):
    envelope = np.ones(length)
    edge = min(edge, length // 2)
    envelope[:edge] = np.linspace(0, 1, edge)
    envelope[length - edge:] = np.linspace(1, 0, edge)
    return envelope


def _noise_sources(phones, bounds, rng):
    noise = np.zeros(bounds[-1])
    burst = int(BURST_MS * SAMPLE_RATE / 1000)
    for index, phone in enumerate(phones):
        start, end = bounds[index], bounds[index + 1]
        if phone in FRICATIVES:
            centre, width, gain = FRICATIVES[phone]
            part = _shaped_noise(rng, end - start, centre, width)
            noise[start:end] += gain * part / part.std() * _ramp(end - start, 160)
        elif phone in STOPS:
            part = _shaped_noise(rng, burst, 3000, 2500)
            noise[end - burst:end] += 0.5 * part / part.std() * _ramp(burst, 40)
    return noise


def synthesize(phones, who, rng):
    """`(waveform, segments)` of `phones` spoken by `who`: float32 in [-1, 1], labels per sample."""
    durations = [_duration(phone, rng, who.rate) for phone in phones]
    bounds = np.concatenate([[0], np.cumsum(durations)]).astype(int)
    formants = _formant_track(phones, bounds, who.tract)
    voiced = _voiced(formants, _voice_gain(phones, bounds), who, rng, bounds[-1])
    speech = voiced / (np.abs(voiced).max() + 1e-9) + _noise_sources(phones, bounds, rng)
    snr_db = rng.uniform(10, 35)
    noise = rng.standard_normal(len(speech)) * np.sqrt(np.mean(speech ** 2) / 10 ** (snr_db / 10))
    wave = speech + noise
    wave = wave / np.abs(wave).max() * rng.uniform(0.3, 0.9)
    segments = [(int(bounds[i]), int(bounds[i + 1]), phone) for i, phone in enumerate(phones)]
    return wave.astype(np.float32), segments


def _build(split, count, seed):
    speakers = [speaker(index, seed) for index in SPLIT_SPEAKERS[split]]
    rng = np.random.default_rng([seed, VERSION, ("train", "validation", "test").index(split)])
    waves, segments, offsets, names = [], [], [0], []
    for number in range(count):
        who = speakers[number % len(speakers)]
        wave, parts = synthesize(phone_sequence(rng), who, rng)
        waves.append(np.round(wave * 32767).astype(np.int16))
        segments.extend((start, end, LABELS.index(label), number) for start, end, label in parts)
        offsets.append(offsets[-1] + len(wave))
        names.append(who.name)
    arrays = {"samples": np.concatenate(waves), "offsets": np.array(offsets, np.int64),
              "segments": np.array(segments, np.int64)}
    return arrays, {"speakers": names}


def generate(split, count, seed=0):
    """`count` utterances of `split` ("train", "validation" or "test"), cached under $ZOO_CACHE.

    Returns:
        list of `zoo.data.utterances.Utterance`; waveforms at 16 kHz, labels from `LABELS`.
    """
    if split not in SPLIT_SPEAKERS:
        raise UsageError(f"`split` must be one of {tuple(SPLIT_SPEAKERS)}; received split={split!r}.")
    arrays, extras = cached(f"speech-v{VERSION}-seed{seed}-{split}-{count}", lambda: _build(split, count, seed))
    offsets, table = arrays["offsets"], arrays["segments"]
    utterances = []
    for number in range(count):
        wave = arrays["samples"][offsets[number]:offsets[number + 1]].astype(np.float32) / 32767
        rows = table[table[:, 3] == number]
        utterances.append(Utterance(f"{split}-{number:05d}", extras["speakers"][number], wave,
                                    [(int(s), int(e), LABELS[int(label)]) for s, e, label, _ in rows]))
    return utterances
