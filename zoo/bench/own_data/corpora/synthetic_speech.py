"""Formant-synthesized utterances with phone labels, in the TIMIT layout.

`TRAIN/DR1/<SPEAKER>/<UTTERANCE>.wav` and `TEST/DR1/...` (16 kHz 16-bit mono RIFF), each with a
`.phn` beside it (lines `start_sample end_sample phone`): the folder `zoo.data.timit` reads for the
frame labeling recipe's `--data`. Seven speakers (five in TRAIN, two in TEST) with their own pitch
and vocal-tract length say ten utterances each, named as in TIMIT; SA1 and SA2 are the same phone
sequence for every speaker, as TIMIT's dialect sentences are. The phones are four vowels, three
fricatives, two nasals and two stops between `h#` silences, with TIMIT's names.

`layout="flat"` writes the same utterances, byte for byte, as `<SPEAKER>/<UTTERANCE>.wav` with no
TRAIN / TEST folders: a corpus whose split the reader has to draw itself.
"""

import os
import wave

import numpy as np

from zoo.errors import UsageError

SAMPLE_RATE = 16000
# speaker → (TIMIT folder, pitch in Hz, formant scale: shorter vocal tracts have higher formants)
SPEAKERS = {
    "FCJF0": ("TRAIN", 212.0, 1.16), "MDAB0": ("TRAIN", 118.0, 1.00),
    "MREB0": ("TRAIN", 134.0, 1.04), "FDAW0": ("TRAIN", 236.0, 1.20),
    "MJSW0": ("TRAIN", 102.0, 0.96), "MDHL0": ("TEST", 146.0, 1.02),
    "FELC0": ("TEST", 190.0, 1.12),
}
UTTERANCES = ("SA1", "SA2", "SI1", "SI2", "SI3", "SX1", "SX2", "SX3", "SX4", "SX5")
SHARED_LENGTHS = {"SA1": 14, "SA2": 16}  # phones between the silences of the shared sentences
VOWEL_FORMANTS = {  # F1, F2, F3 in Hz of an adult male voice
    "aa": (730, 1090, 2440), "iy": (270, 2290, 3010),
    "uw": (300, 870, 2240), "eh": (530, 1840, 2480),
}
FRICATIVE_BANDS = {"s": (4500, 7500), "sh": (2200, 4000), "f": (1000, 2200)}
FRICATIVE_LEVELS = {"s": 0.12, "sh": 0.13, "f": 0.05}
NASAL_SECOND_FORMANTS = {"m": 1000, "n": 1600}
STOP_BURST_BANDS = {"b": (150, 1500), "d": (2800, 6000)}
SILENCE = "h#"
PHONES = (*VOWEL_FORMANTS, *FRICATIVE_BANDS, *NASAL_SECOND_FORMANTS, *STOP_BURST_BANDS)
LAYOUTS = ("timit", "flat")


def _unit_power(signal):
    return signal / (np.sqrt(np.mean(signal**2)) + 1e-12)


def _band_noise(rng, length, low, high):
    """White noise with everything outside [low, high] Hz removed, at unit power."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequencies = np.fft.rfftfreq(length, 1.0 / SAMPLE_RATE)
    spectrum[(frequencies < low) | (frequencies > high)] = 0
    return _unit_power(np.fft.irfft(spectrum, length))


def _voiced(length, pitch, formants, bandwidths, amplitudes, start_time=0.0):
    """A damped sinusoid per formant, restarted every pitch period, at unit power."""
    time_in_period = np.mod(start_time + np.arange(length) / SAMPLE_RATE, 1.0 / pitch)
    signal = np.zeros(length)
    for frequency, bandwidth, amplitude in zip(formants, bandwidths, amplitudes):
        decay = np.exp(-np.pi * bandwidth * time_in_period)
        signal += amplitude * decay * np.sin(2 * np.pi * frequency * time_in_period)
    return _unit_power(signal)


def _fade(length, ramp_ms):
    """Ones with raised-cosine ramps of `ramp_ms` at both ends, so phones join without clicks."""
    ramp = min(int(ramp_ms * SAMPLE_RATE / 1000), length // 2)
    envelope = np.ones(length)
    if ramp > 0:
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        envelope[:ramp], envelope[-ramp:] = rise, rise[::-1]
    return envelope


def synthesize_phone(rng, phone, length, pitch, formant_scale, start_time):
    """`length` samples of `phone` (one of `PHONES` or "h#") for a speaker.

    Args:
        rng: a `numpy.random.Generator` for the noise.
        phone: str. A vowel, fricative, nasal or stop of `PHONES`, or `SILENCE`.
        length: int. Samples.
        pitch: float. Hz of the voicing.
        formant_scale: float. The speaker's formants relative to the male reference.
        start_time: float. Seconds into the utterance, so the pitch periods run on across phones.

    Returns:
        float64 samples, roughly in [-0.5, 0.5].
    """
    if phone == SILENCE:
        return 0.004 * rng.standard_normal(length)
    if phone in VOWEL_FORMANTS:
        formants = [frequency * formant_scale for frequency in VOWEL_FORMANTS[phone]]
        signal = _voiced(length, pitch, formants, (80, 110, 160), (1.0, 0.6, 0.3), start_time)
        signal += 0.03 * rng.standard_normal(length)  # breath
        return 0.30 * signal * _fade(length, 12)
    if phone in FRICATIVE_BANDS:
        return FRICATIVE_LEVELS[phone] * _band_noise(rng, length, *FRICATIVE_BANDS[phone]) * _fade(length, 15)
    if phone in NASAL_SECOND_FORMANTS:
        formants = (250 * formant_scale, NASAL_SECOND_FORMANTS[phone] * formant_scale)
        return 0.14 * _voiced(length, pitch, formants, (60, 200), (1.0, 0.15), start_time) * _fade(length, 10)
    if phone in STOP_BURST_BANDS:
        closure = int(length * rng.uniform(0.5, 0.7))
        signal = np.zeros(length)
        if phone == "b":  # voiced: a weak voice bar under the closure
            signal[:closure] = 0.02 * np.sin(2 * np.pi * pitch * (start_time + np.arange(closure) / SAMPLE_RATE))
        else:
            signal[:closure] = 0.003 * rng.standard_normal(closure)
        burst = length - closure
        decay = np.exp(-np.arange(burst) / (0.008 * SAMPLE_RATE))
        signal[closure:] = 0.35 * (_band_noise(rng, burst, *STOP_BURST_BANDS[phone]) * decay)
        return signal * _fade(length, 2)
    raise UsageError(f"phone must be one of {PHONES} or {SILENCE!r}; received {phone!r}.")


def phone_sequence(rng, count):
    """`count` random phones, none the same as the one before, between two silences."""
    phones, previous = [], SILENCE
    for _ in range(count):
        choices = [phone for phone in PHONES if phone != previous]
        previous = choices[rng.integers(len(choices))]
        phones.append(previous)
    return [SILENCE, *phones, SILENCE]


def phone_lengths(rng, count):
    """`count` phone lengths in samples, each 40–150 ms, together 1.0–2.5 s."""
    low, high = int(0.040 * SAMPLE_RATE), int(0.150 * SAMPLE_RATE)
    while True:
        lengths = rng.integers(low, high + 1, count)
        if SAMPLE_RATE * 1.0 <= lengths.sum() <= SAMPLE_RATE * 2.5:
            return lengths


def synthesize_utterance(rng, phones, pitch, formant_scale):
    """The waveform of `phones` and its `.phn` segments `[(start, end, phone)]`.

    The pitch falls by 16 % over the utterance, as it does in read speech; the peak is 0.3–0.6.
    """
    lengths = phone_lengths(rng, len(phones))
    utterance_pitch = pitch * rng.uniform(0.95, 1.05)
    total = int(lengths.sum())
    waveform, segments, start = np.zeros(total), [], 0
    for phone, length in zip(phones, lengths):
        length = int(length)
        phone_pitch = utterance_pitch * (1.08 - 0.16 * start / total)
        waveform[start:start + length] = synthesize_phone(
            rng, phone, length, phone_pitch, formant_scale, start / SAMPLE_RATE)
        segments.append((start, start + length, phone))
        start += length
    waveform += 0.001 * rng.standard_normal(total)
    waveform *= rng.uniform(0.3, 0.6) / np.max(np.abs(waveform))
    return waveform, segments


def _write_wav(path, waveform):
    pcm = np.clip(np.round(waveform * 32767), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(pcm.tobytes())


def _write_phn(path, segments):
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(f"{start} {end} {phone}\n" for start, end, phone in segments)


def write_synthetic_speech(directory, utterances_per_speaker=10, layout="timit", seed=2024):
    """Writes every speaker's utterances as `.wav` + `.phn` pairs.

    Args:
        directory: str. The corpus folder (created if missing).
        utterances_per_speaker: int, default 10. The first this many of `UTTERANCES` (at most 10).
        layout: "timit" (default) for `TRAIN|TEST/DR1/<SPEAKER>/`, or "flat" for `<SPEAKER>/`; both
            hold the same bytes for the same seed.
        seed: int, default 2024.

    Returns:
        A one-line summary, e.g. "timit_small: 70 utterances, 7 speakers, 107.3 s audio".

    Example:
        `write_synthetic_speech("timit_flat", layout="flat")`, then
        `zoo.data.timit.read_timit("timit_flat")`.
    """
    if layout not in LAYOUTS:
        raise UsageError(f"layout must be one of {LAYOUTS}; received {layout!r}.")
    if not 1 <= utterances_per_speaker <= len(UTTERANCES):
        raise UsageError(f"utterances_per_speaker must be 1 to {len(UTTERANCES)}; received {utterances_per_speaker}.")
    rng = np.random.default_rng(seed)
    shared = {name: phone_sequence(rng, count) for name, count in SHARED_LENGTHS.items()}
    count, seconds = 0, 0.0
    for speaker, (timit_folder, pitch, formant_scale) in SPEAKERS.items():
        parts = [speaker] if layout == "flat" else [timit_folder, "DR1", speaker]
        folder = os.path.join(directory, *parts)
        os.makedirs(folder, exist_ok=True)
        for name in UTTERANCES[:utterances_per_speaker]:
            phones = shared.get(name) or phone_sequence(rng, int(rng.integers(10, 19)))
            waveform, segments = synthesize_utterance(rng, phones, pitch, formant_scale)
            _write_wav(os.path.join(folder, f"{name}.wav"), waveform)
            _write_phn(os.path.join(folder, f"{name}.phn"), segments)
            count += 1
            seconds += len(waveform) / SAMPLE_RATE
    return (f"{os.path.basename(directory)}: {count} utterances, {len(SPEAKERS)} speakers"
            f"{' (no TRAIN/TEST folders)' if layout == 'flat' else ''}, {seconds:.1f} s audio")
