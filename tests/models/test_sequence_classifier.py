import numpy as np

from zoo.registry import create_model, example_batch


def test_reads_vectors_without_an_embedding_and_trains_a_step():
    model = create_model("sequence_classifier", input_features=8, num_classes=10, cell="gru")
    assert model.inputs[0].shape[1:] == (None, 8) and model.inputs[0].dtype == "float32"
    assert not [layer for layer in model.layers if "embedding" in layer.name]
    vectors, labels = example_batch("sequence_classifier", model, batch_size=4)
    assert vectors.shape == (4, 5, 8) and labels.max() < 10
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(vectors, labels)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model(vectors).shape == (4, 10)
