"""PyTorch's nn.RNN / nn.LSTM / nn.GRU on the benchmark's shapes, when PyTorch happens to be installed.

PyTorch is never a dependency of zoo; without it the benchmark leaves its column empty.
"""

import importlib.util

TORCH_LAYERS = {"simple_rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def available():
    return importlib.util.find_spec("torch") is not None


def train_and_infer(case, inputs):
    """`(train_step, inference)` callables for the torch layer of `case`, on the same inputs."""
    import torch

    layer = getattr(torch.nn, TORCH_LAYERS[case.cell])(case.features, case.hidden, batch_first=True)
    x = torch.from_numpy(inputs.numpy())
    optimizer = torch.optim.SGD(layer.parameters(), lr=1e-3)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        outputs, _ = layer(x)
        loss = outputs.square().mean()
        loss.backward()
        optimizer.step()
        return loss.detach()

    def inference():
        with torch.inference_mode():
            return layer(x)[0]

    return train_step, inference
