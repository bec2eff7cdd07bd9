"""Reader of the TIMIT layout: RIFF `.wav` files, each with a `.phn` (lines `start end label`) beside it,
found recursively and split into train / validation / test by speaker (by utterance when there are too
few speakers). A damaged utterance is skipped,
reported with its file and counted. Original TIMIT audio is NIST SPHERE: convert it (`sox in.WAV out.wav`);
a converted `SA1.WAV.wav` pairs with `SA1.PHN` and is preferred to the SPHERE `SA1.WAV` beside it.
"""

import collections
import dataclasses
import math
import struct
import os
import wave

import numpy as np

from zoo.errors import UsageError
from zoo.data.skipped import SkippedLines
from zoo.data.splits import assign_splits, describe_moves, empty_splits
from zoo.data.utterances import Utterance

# Lee & Hon (1989): the 61 TIMIT phones folded to 39. Phones not listed map to themselves; q is deleted.
_FOLD = {"ao": "aa", "ax": "ah", "ax-h": "ah", "axr": "er", "hv": "hh", "ix": "ih", "el": "l", "em": "m",
         "en": "n", "nx": "n", "eng": "ng", "zh": "sh", "ux": "uw", "q": None,
         **dict.fromkeys(["pcl", "tcl", "kcl", "bcl", "dcl", "gcl", "h#", "pau", "epi"], "sil")}
_TIMIT_61 = frozenset(_FOLD) | frozenset(
    "aa ae ah aw ay b ch d dh dx eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th uh uw v w y z".split())
TIMIT_39 = tuple(sorted({_FOLD.get(phone, phone) for phone in _TIMIT_61} - {None}))
SILENCE = 1e-4  # an utterance whose peak |x| is below this is skipped as silent
MIN_RATE, MAX_RATE = 1000, 384000  # Hz; a header outside this is nonsense, and resampling from it would not fit in memory


@dataclasses.dataclass
class TimitData:
    """What `read_timit` returns."""

    splits: dict  # {"train", "validation", "test"} → [Utterance]
    skipped: collections.Counter  # skipped files by kind
    labels: tuple  # sorted labels seen in the kept utterances (after folding if asked)
    split_unit: str = "speaker"  # what the splits were drawn by: "speaker" or "utterance"
    notes: tuple = ()  # what the split had to do on this corpus (a repaired split, a finer unit), one line each


def fold_timit_39(label):
    """The Lee & Hon (1989) folding of a TIMIT phone: e.g. "ao" → "aa", "pcl" → "sil", "b" → "b".

    Returns:
        The folded label (one of `TIMIT_39`), or None for "q", which Lee & Hon delete.
    Raises:
        ValueError if `label` is not one of the 61 TIMIT phones.
    """
    if label not in _TIMIT_61:
        raise UsageError(f"label {label} is not a TIMIT phone; fold_timit_39 needs TIMIT labels")
    return _FOLD.get(label, label)


def _read_riff(path):
    """`(samples, sample_rate)` of a 16-bit PCM mono RIFF file; samples float32 in [-1, 1)."""
    expected = "expected a RIFF/WAVE file of 16-bit PCM mono"
    try:
        with open(path, "rb") as file:
            head = file.read(8)
        if not head:
            raise UsageError(f"{path}: the file is empty; {expected}.")
        if head.startswith(b"NIST_1A"):
            raise UsageError(f"{path}: a NIST SPHERE file (original TIMIT audio), not RIFF; convert it to RIFF "
                             f"first, e.g. `sox in.WAV out.wav`.")
        with wave.open(path, "rb") as audio:
            channels, width, rate = audio.getnchannels(), audio.getsampwidth(), audio.getframerate()
            frames = audio.readframes(audio.getnframes())
    except (OSError, EOFError, wave.Error, RuntimeError, struct.error) as error:  # wave's chunk seek: RuntimeError
        reason = f" ({error})" if str(error) else ""
        raise UsageError(f"{path}: not a readable RIFF/WAVE file{reason}; {expected}.") from None
    if channels != 1:
        raise UsageError(f"{path}: {channels} channels; {expected} (mono, one channel).")
    if width != 2:
        raise UsageError(f"{path}: {8 * width}-bit samples; {expected} (16-bit PCM).")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise UsageError(f"{path}: the header says {rate} samples per second; {expected} at "
                         f"{MIN_RATE}-{MAX_RATE} Hz.")
    samples = np.frombuffer(frames[:len(frames) // 2 * 2], dtype="<i2")
    if samples.size == 0:
        raise UsageError(f"{path}: no samples; {expected}.")
    return samples.astype(np.float32) / 32768.0, rate


def resample(samples, rate, sample_rate):
    """`samples` at `rate` Hz, resampled to `sample_rate` Hz (`scipy.signal.resample_poly`), clipped to [-1, 1]."""
    if rate == sample_rate:
        return samples
    from scipy.signal import resample_poly

    g = math.gcd(sample_rate, rate)
    resampled = resample_poly(samples, sample_rate // g, rate // g)
    return np.clip(resampled, -1.0, 1.0).astype(np.float32)


def read_wav(path, sample_rate):
    """A RIFF 16-bit PCM mono file as float32 in [-1, 1], resampled to `sample_rate` if it differs.

    Args:
        path: str. The `.wav` file.
        sample_rate: int. Hz of the returned samples (`scipy.signal.resample_poly` when resampling).

    Raises:
        ValueError naming the file for SPHERE, non-RIFF, stereo, non-16-bit or empty audio.
    """
    samples, rate = _read_riff(path)
    return resample(samples, rate, sample_rate)


def read_phn(path, num_samples):
    """`[(start, end, label)]` from a `.phn` file of lines `start end label` (end exclusive).

    The ranges must be contiguous (each starts where the previous ended) and end within
    `num_samples`; audio before the first and after the last range is allowed. Blank lines are ignored.

    Raises:
        ValueError naming the file and line for a malformed or non-UTF-8 line, an empty range, a range past the audio,
        an overlap or a gap, and naming the file when it holds no range.
    """
    segments = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise UsageError(f"{where}: not UTF-8 text (byte {raw[error.start]:#04x} at column "
                                 f"{error.start + 1}).") from None  # fmt: skip
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 3 or not (fields[0].isdecimal() and fields[1].isdecimal()):
                raise UsageError(f"{where}: expected 'start_sample end_sample label' with non-negative integer "
                                 f"samples; found {line.strip()!r}.")
            start, end, label = int(fields[0]), int(fields[1]), fields[2]
            if start >= end:
                raise UsageError(f"{where}: expected start < end; found {start} {end}.")
            if end > num_samples:
                raise UsageError(f"{where}: range {start}-{end} ends past the audio ({num_samples} samples).")
            if segments and start != segments[-1][1]:
                problem = "overlaps" if start < segments[-1][1] else "leaves a gap after"
                raise UsageError(f"{where}: range {start}-{end} {problem} the previous one, which ends at "
                                 f"{segments[-1][1]}; ranges must be contiguous.")
            segments.append((start, end, label))
    if not segments:
        raise UsageError(f"{path}: the file is empty; expected lines 'start_sample end_sample label'.")
    return segments


def _fold_segments(segments):
    """Labels folded to `TIMIT_39`; a deleted `q` gives its samples to the previous segment (the next if first)."""
    folded = []
    for _, end, label in segments:  # contiguous: a segment starts where the previous one ended
        label = fold_timit_39(label)
        if label is not None:
            folded.append((folded[-1][1] if folded else segments[0][0], end, label))
        elif folded:
            folded[-1] = (folded[-1][0], end, folded[-1][2])
    return folded


def _scale(segments, rate, sample_rate):
    """Segment boundaries moved from `rate` to `sample_rate`; a range that rounds to nothing is dropped."""
    g = math.gcd(sample_rate, rate)
    up, down = sample_rate // g, rate // g
    moved = [((start * up + down // 2) // down, (end * up + down // 2) // down, label)
             for start, end, label in segments]
    return [segment for segment in moved if segment[0] < segment[1]]


def _pairs(directory, skip):
    """`[(wav path, phn path)]` under `directory`, sorted; unpaired files are reported to `skip`."""
    wavs, phns = collections.defaultdict(list), {}
    for root, folders, files in os.walk(directory):
        folders.sort()
        for file in sorted(files):
            stem, extension = os.path.splitext(os.path.join(root, file))
            if extension.lower() == ".wav":
                while os.path.splitext(stem)[1].lower() == ".wav":  # SA1.WAV.wav, converted from SA1.WAV
                    stem = os.path.splitext(stem)[0]
                wavs[stem].append(os.path.join(root, file))
            elif extension.lower() == ".phn":
                phns.setdefault(stem, os.path.join(root, file))
    pairs = []
    for stem in sorted(set(wavs) | set(phns)):
        if stem not in wavs:
            skip("no .wav", f"{phns[stem]}: no .wav file beside it")
            continue
        wav = next((path for path in wavs[stem] if _is_riff(path)), wavs[stem][0])
        if stem not in phns:
            skip("no .phn", f"{wav}: no .phn file beside it")
        else:
            pairs.append((wav, phns[stem]))
    return pairs


def _is_riff(path):
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"RIFF"
    except OSError:
        return False


def _official_split(relative):
    """"train" or "test" for a file under a TRAIN or TEST folder (the first on its path, any case), else None."""
    folders = [part.upper() for part in relative.split("/")[:-1]]
    official = next((part for part in folders if part in ("TRAIN", "TEST")), None)  # TIMIT/TRAIN/... too
    return official.lower() if official else None


SPLIT_UNITS = ("auto", "speaker", "utterance")


def split_utterances(utterances, validation_fraction=0.1, test_fraction=0.1, split_by="auto"):
    """Train / validation / test of `utterances` (each with `name`, `speaker` and the `official` split of
    its folder, or None), drawn by `split_by`.

    "speaker" keeps every speaker in one split: TEST-folder speakers are test, and `validation_fraction`
    of the others (by a hash of their folder's name) validation; without TRAIN/TEST folders,
    `test_fraction` of the speakers are test too. A held-out split the hash leaves empty gets one
    speaker from train. "utterance" draws utterances instead (a speaker's voice can then be in train
    and test). "auto" is "speaker" when that fills every split, else "utterance".

    Returns:
        `(splits, unit, notes)`: {split: [utterance]}, the unit used, and lines saying what was done. A
        split can be empty when there are too few utterances (or speakers, with "speaker"): the
        recipe refuses that, naming the setting that fixes it.
    """
    if split_by not in SPLIT_UNITS:
        raise UsageError(f"split_by must be one of {SPLIT_UNITS}; received {split_by!r}.")
    notes = []
    if split_by in ("auto", "speaker"):
        speakers = {u.speaker for u in utterances}
        test_speakers = {u.speaker for u in utterances if u.official == "test"}
        assignment, moved = assign_splits(speakers, validation_fraction, test_fraction, test_speakers)
        notes += [describe_moves(moved, "speaker")] if moved else []
        if split_by == "speaker" or not empty_splits(assignment, validation_fraction, test_fraction):
            return _grouped(utterances, lambda u: assignment[u.speaker]), "speaker", notes
        notes = [f"only {len(speakers)} speaker(s), too few for a split by speaker: split by utterance "
                 "(split_by=\"auto\"), so a speaker's voice is in train and in the held-out splits, and their "
                 "scores overstate what a new speaker would get"]
    fixed = {u.name for u in utterances if u.official == "test"}
    assignment, moved = assign_splits([u.name for u in utterances], validation_fraction, test_fraction, fixed)
    notes += [describe_moves(moved, "utterance")] if moved else []
    return _grouped(utterances, lambda u: assignment[u.name]), "utterance", notes


def _grouped(utterances, split_of_utterance):
    splits = {"train": [], "validation": [], "test": []}
    for utterance in utterances:
        splits[split_of_utterance(utterance)].append(utterance)
    return splits


def read_timit(directory, sample_rate=16000, fold=False, skip=None, validation_fraction=0.1, test_fraction=0.1,
               split_by="auto", keep=None):
    """Reads every `.wav` with its `.phn` under `directory`, recursively, in sorted order.

    Splits: see `split_utterances` (by speaker: TIMIT's own TEST folder is test, `validation_fraction`
    of the other speakers validation; by utterance when there are too few speakers for that).

    Each waveform is cut to the labelled span, [first start, last end), and the segments shifted to
    match. Skipped, reported and counted: a `.wav` without `.phn` ("no .phn"), a `.phn` without `.wav`
    ("no .wav"), audio `read_wav` rejects ("bad audio"), a `.phn` `read_phn` rejects ("bad .phn"), NaN
    or inf ("NaN audio"), silence ("silent audio") and, with `fold`, a non-TIMIT label ("not TIMIT").

    Args:
        directory: str. The dataset folder.
        sample_rate: int, default 16000. Audio at another rate is resampled; segments are rescaled.
        fold: bool, default False. Fold labels with `fold_timit_39`; frames cannot be deleted, so a
            `q` segment's samples go to the preceding segment (the following one if `q` comes first).
        skip: a `SkippedLines` (or any `skip(kind, message)` callable); default a new one on stderr.
        validation_fraction, test_fraction, split_by: see `split_utterances`.
        keep: optional `(path, utterance) -> bool`; an utterance it refuses (after reporting it through
            `skip`) is left out before the split is drawn.

    Returns:
        A `TimitData`, e.g. `read_timit("timit", fold=True).splits["train"][0].segments[:2]`.

    Raises:
        ValueError naming `directory` if it is not a folder or yields no usable utterance.
    """
    if not os.path.isdir(directory):
        raise UsageError(f"{directory}: not a directory; expected a folder of .wav files, each with a .phn beside it.")
    skip = SkippedLines() if skip is None else skip
    counts = collections.Counter()

    def skipped(kind, message):
        counts[kind] += 1
        skip(kind, message)

    utterances, labels = [], set()
    for wav, phn in _pairs(directory, skipped):
        try:
            samples, rate = _read_riff(wav)
        except ValueError as error:
            skipped("bad audio", str(error))
            continue
        waveform = resample(samples, rate, sample_rate)
        if not np.all(np.isfinite(waveform)):
            skipped("NaN audio", f"{wav}: NaN or infinite samples")
            continue
        if np.max(np.abs(waveform)) < SILENCE:
            skipped("silent audio", f"{wav}: silent (peak |x| below {SILENCE})")
            continue
        try:
            segments = read_phn(phn, len(samples))
        except ValueError as error:
            skipped("bad .phn", str(error))
            continue
        if fold:
            try:
                segments = _fold_segments(segments)
            except ValueError as error:
                skipped("not TIMIT", f"{phn}: {error}")
                continue
            if not segments:
                skipped("bad .phn", f"{phn}: only q segments, which folding deletes")
                continue
        segments = _scale(segments, rate, sample_rate)
        if not segments:
            skipped("bad .phn", f"{phn}: every range is shorter than one sample at {sample_rate} Hz")
            continue
        offset = segments[0][0]
        relative = os.path.relpath(wav, directory).replace(os.sep, "/")
        speaker = os.path.basename(os.path.dirname(os.path.abspath(wav)))
        utterance = Utterance(relative, speaker, waveform[offset:segments[-1][1]],
                              [(start - offset, end - offset, label) for start, end, label in segments])
        if keep is not None and not keep(wav, utterance):
            continue
        utterances.append(utterance)
        labels.update(label for _, _, label in segments)
    if not labels:
        raise UsageError(f"{directory}: no usable utterance ({sum(counts.values())} skipped; see the messages above).")
    officials = {u.name: _official_split(u.name) for u in utterances}
    splits, unit, notes = split_utterances(
        [_WithOfficial(u, officials[u.name]) for u in utterances], validation_fraction, test_fraction, split_by)
    splits = {split: [item.utterance for item in items] for split, items in splits.items()}
    return TimitData(splits, counts, tuple(sorted(labels)), unit, tuple(notes))


@dataclasses.dataclass(frozen=True)
class _WithOfficial:
    utterance: Utterance
    official: str | None

    @property
    def name(self):
        return self.utterance.name

    @property
    def speaker(self):
        return self.utterance.speaker
