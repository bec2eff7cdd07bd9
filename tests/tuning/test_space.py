import keras_tuner as kt
import pytest

from zoo.tuning.space import SearchSpace


def test_defaults_cover_every_cell_depth_1_to_4_and_32_to_1024_units():
    space = SearchSpace()
    assert set(space.cells) == {"simple_rnn", "lstm", "gru", "layernorm_lstm"}
    assert (space.min_depth, space.max_depth, space.min_units, space.max_units) == (1, 4, 32, 1024)


def test_sampling_names_only_the_searched_values_and_fixes_single_values():
    hp = kt.HyperParameters()
    values = SearchSpace(cells=("gru",), min_depth=2, max_depth=2, min_dropout=0.0, max_dropout=0.0).sample(hp)
    assert values["cell"] == "gru" and values["depth"] == 2 and values["dropout"] == 0.0
    assert 32 <= values["units"] <= 1024 and 1e-4 <= values["learning_rate"] <= 1e-2
    assert set(hp.values) == {"cell", "depth", "units", "dropout", "learning_rate"}


def test_directions_are_searched_only_for_recipes_that_have_them():
    hp = kt.HyperParameters()
    values = SearchSpace().sample(hp, bidirectional=True)
    assert isinstance(values["bidirectional"], bool) and "bidirectional" in hp.values
    assert hp.space[-1].values == [True, False]
    one_way = SearchSpace.from_table({"bidirectional": [False]}).sample(kt.HyperParameters(), bidirectional=True)
    assert one_way["bidirectional"] is False


@pytest.mark.parametrize("table, message", [
    ({"max_layers": 3}, r"unknown key\(s\) \['tune.max_layers'\]"),
    ({"cells": ["transformer"]}, "tune.cells"),
    ({"min_depth": 3, "max_depth": 2}, "tune.min_depth"),
    ({"max_dropout": 1.5}, "dropout"),
    ({"bidirectional": ["yes"]}, "tune.bidirectional"),
])
def test_bad_tables_are_named(table, message):
    with pytest.raises(ValueError, match=message):
        SearchSpace.from_table(table)


def test_the_deep_rnn_keys_are_searched_only_when_widened():
    hp = kt.HyperParameters()
    assert not {"transition_depth", "peephole", "shortcut"} & set(SearchSpace().sample(hp))
    space = SearchSpace.from_table({"cells": ["lstm"], "min_transition_depth": 1, "max_transition_depth": 3,
                                    "peephole": [True, False], "shortcut": [True, False],
                                    "lstm_variants": ["vanilla", "cifg"], "max_output_layers": 2})
    values = space.sample(kt.HyperParameters())
    assert 1 <= values["transition_depth"] <= 3 and 0 <= values["output_layers"] <= 2
    assert isinstance(values["peephole"], bool) and isinstance(values["shortcut"], bool)
    assert values["lstm_variant"] in ("vanilla", "cifg") and "input_layers" not in values


@pytest.mark.parametrize("table, message", [
    ({"min_transition_depth": 3, "max_transition_depth": 2}, "tune.min_transition_depth"),
    ({"peephole": ["maybe"]}, "tune.peephole"),
    ({"lstm_variants": ["no_gates"]}, "tune.lstm_variants"),
    ({"max_output_layers": -1}, "tune.max_output_layers"),
])
def test_bad_deep_rnn_tables_are_named(table, message):
    with pytest.raises(ValueError, match=message):
        SearchSpace.from_table(table)
