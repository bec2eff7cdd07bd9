import numpy as np
import pytest

from zoo.export import parity
from zoo.export.errors import ExportError

EXPECTED = {"logits": np.array([[0.0, 1.0, 0.2], [2.0, 0.1, 0.0]])}


def test_float_outputs_must_agree_within_the_tolerance_and_pick_the_same_argmax():
    result = parity.check_float("f", EXPECTED, {"logits": EXPECTED["logits"] + 1e-5}, 1e-4)
    assert result["argmax_agreement"] == 1.0 and result["max_abs_diff"] == pytest.approx(1e-5)
    with pytest.raises(ExportError, match="f: output 'logits' differs .* by 0.001"):
        parity.check_float("f", EXPECTED, {"logits": EXPECTED["logits"] + 1e-3}, 1e-4)


def test_quantized_files_need_argmax_agreement():
    flipped = {"logits": np.array([[0.0, 1.0, 0.2], [0.0, 0.1, 2.0]])}
    assert parity.check_agreement("q", EXPECTED, EXPECTED, 0.9)["argmax_agreement"] == 1.0
    with pytest.raises(ExportError, match="agrees with the Keras model's argmax on 50.0%"):
        parity.check_agreement("q", EXPECTED, flipped, 0.9)


def test_regressed_values_are_checked_on_the_values_alone():
    forecasts = {"forecast": np.array([[350.0, 350.02, 351.0]])}
    check = parity.values_within(0.05)
    result = check("q", forecasts, {"forecast": np.array([[350.03, 350.0, 351.01]])})  # the argmax moved: fine
    assert result["argmax_agreement"] is None and result["max_abs_diff"] == pytest.approx(0.03)
    with pytest.raises(ExportError, match="differs from the Keras model by 0.1"):
        check("q", forecasts, {"forecast": forecasts["forecast"] + 0.1})
