import numpy as np
import pytest

from zoo.text import END, PAD, START, UNKNOWN, Vocabulary, tokenize


def test_tokenize_case_folds_and_splits_on_whitespace():
    assert tokenize(["A  Red\tCircle", "x"]).to_list() == [[b"a", b"red", b"circle"], [b"x"]]


def test_reserved_ids_come_first_then_tokens_by_frequency():
    vocab = Vocabulary.build(["a red circle", "a blue circle", "a square"])
    assert vocab.tokens[:4] == [PAD, UNKNOWN, START, END]
    assert vocab.tokens[4:6] == ["a", "circle"]
    assert vocab.size == 4 + 5


def test_encode_decode_round_trip_with_padding_and_unknown_words():
    vocab = Vocabulary.build(["a red circle", "a blue square"])
    ids = vocab.encode(["a red square", "a green circle"], max_length=7)
    assert ids.dtype == np.int32 and ids.shape == (2, 7)
    assert ids[0, 0] == vocab.ids[START] and ids[0, 4] == vocab.ids[END] and not ids[0, 5:].any()
    assert ids[1, 2] == vocab.ids[UNKNOWN]
    assert vocab.decode(ids) == ["a red square", f"a {UNKNOWN} circle"]


def test_encode_cuts_long_texts():
    vocab = Vocabulary.build(["a b c d e"])
    assert vocab.encode(["a b c d e"], max_length=3).tolist() == [[vocab.ids[START], vocab.ids["a"], vocab.ids["b"]]]


def test_min_count_and_max_size():
    vocab = Vocabulary.build(["a a a b b c"], min_count=2)
    assert vocab.tokens[4:] == ["a", "b"]
    assert Vocabulary.build(["a a a b b c"], max_size=1).tokens[4:] == ["a"]


def test_save_and_load(tmp_path):
    vocab = Vocabulary.build(["a red circle"])
    vocab.save(tmp_path / "vocab.txt")
    assert Vocabulary.load(tmp_path / "vocab.txt").tokens == vocab.tokens


def test_load_names_a_bad_file(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        Vocabulary.load(tmp_path / "missing.txt")
    (tmp_path / "bad.txt").write_text("a\nb\n")
    with pytest.raises(ValueError, match="bad.txt: expected the reserved tokens"):
        Vocabulary.load(tmp_path / "bad.txt")


def test_rejects_reserved_or_duplicate_tokens():
    with pytest.raises(ValueError, match="`tokens` must be unique"):
        Vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="reserved"):
        Vocabulary([END])
