import numpy as np
import pytest

from zoo.models.seq2seq import source_encoder
from zoo.registry import create_model, example_batch


@pytest.mark.parametrize("input_layers", [0, 1])
def test_the_source_encoder_gives_the_memory_the_model_decodes_from(input_layers):
    model = create_model("seq2seq", units=6, input_layers=input_layers, transition_depth=2)
    inputs, _ = example_batch("seq2seq", model, batch_size=3)
    memory, mask = source_encoder(model)(inputs["source"])
    logits = model.get_layer("decoder")(inputs["tokens"], memory, memory_mask=mask)
    np.testing.assert_allclose(logits.numpy(), model(inputs).numpy(), atol=1e-6)
