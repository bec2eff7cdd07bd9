"""Subword tokenization: exact round trips, digits of their own, unknown characters."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.subwords import SPACE, SubwordVocabulary, ids_to_text, pretokenize
from zoo.text import RESERVED

TEXTS = ["воскресенье, 22 ноября 2026\u202fг.", "47 литров", "15:45", "сорок семь", "dreihundertsiebenundvierzig",
         "vierhundertsiebenundzwanzig", "1 234,50\xa0€"]


@pytest.fixture(scope="module")
def vocabulary():
    return SubwordVocabulary.learn(TEXTS * 3, vocab_size=200, min_count=2)


def test_pretokens_split_letters_digits_symbols_and_spaces():
    tokens = [t.decode() for t in pretokenize(["22 ноября,  2026"]).to_list()[0]]
    assert tokens == ["2", "2", SPACE, "ноября", ",", SPACE, "2", "0", "2", "6"]


def test_decode_gives_back_the_exact_text(vocabulary):
    ids = vocabulary.encode(TEXTS, max_length=40)
    assert (ids[:, 0] == RESERVED.index("[START]")).all()
    assert vocabulary.decode(ids) == TEXTS
    assert not (ids == RESERVED.index("[UNK]")).any()


def test_unseen_numbers_are_written_with_seen_digits(vocabulary):
    ids = vocabulary.encode(["7 614"], max_length=12)
    assert not (ids == RESERVED.index("[UNK]")).any()
    assert vocabulary.decode(ids) == ["7 614"]


def test_unknown_characters_become_unk_and_never_crash(vocabulary):
    ids = vocabulary.encode(["☃ 22"], max_length=8)
    assert ids[0, 1] == RESERVED.index("[UNK]")
    assert vocabulary.decode(ids) == ["[UNK] 22"]


def test_words_split_into_learned_pieces(vocabulary):
    unseen = "vierhundertsiebenundvierzig"
    ids = vocabulary.encode([unseen], 30)
    pieces = [vocabulary.tokens[i] for i in ids[0] if i > 3]
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:]) and "[UNK]" not in pieces
    assert vocabulary.decode(ids) == [unseen]


def test_save_and_load_round_trip(vocabulary, tmp_path):
    path = tmp_path / "target_vocabulary.txt"
    vocabulary.save(path)
    restored = SubwordVocabulary.load(path)
    assert restored.tokens == vocabulary.tokens
    np.testing.assert_array_equal(restored.encode(TEXTS, 40), vocabulary.encode(TEXTS, 40))


def test_ids_to_text_stops_at_end_inside_tensorflow(vocabulary):
    ids = vocabulary.encode(["47 литров"], 12)[:, 1:]
    ids[0, 3] = RESERVED.index("[END]")
    text = ids_to_text(tf.constant(vocabulary.tokens), tf.constant(ids)).numpy()[0].decode()
    assert text == vocabulary.decode(ids[:, :3])[0] and len(text) < len("47 литров")
