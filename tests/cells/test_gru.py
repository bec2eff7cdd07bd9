import keras
import pytest

from tests.cells.builtin_parity import CASES, check_case
from zoo.cells import GRUCell


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras_gru(case, reset_after):
    check_case(lambda: GRUCell(5, reset_after=reset_after), keras.layers.GRU, case, reset_after=reset_after)


@pytest.mark.parametrize("reset_after", [True, False])
def test_without_bias_matches_keras(reset_after):
    check_case(
        lambda: GRUCell(5, reset_after=reset_after, use_bias=False),
        keras.layers.GRU,
        "masked_sequences",
        reset_after=reset_after,
        use_bias=False,
    )


@pytest.mark.parametrize("reset_after, bias_shape", [(True, (2, 12)), (False, (12,))])
def test_weight_shapes_match_keras(reset_after, bias_shape):
    cell = GRUCell(4, reset_after=reset_after)
    cell.build((None, 3))
    reference = keras.layers.GRUCell(4, reset_after=reset_after)
    reference.build((None, 3))
    assert [w.shape for w in cell.get_weights()] == [w.shape for w in reference.get_weights()]
    assert cell.bias.shape == bias_shape
