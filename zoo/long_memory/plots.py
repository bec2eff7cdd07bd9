"""The long-memory lab's pictures: the gradient reaching each step, and training with and without clipping."""

from zoo.plots import plt, save_figure


def plot_gradients(panels, path):
    """`panels`: {title: {cell: [‖∂L/∂s_t‖ for t]}}, one log-scale panel each."""
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    for axis, (title, norms) in zip(axes[0], panels.items()):
        for cell, values in norms.items():
            axis.semilogy(range(len(values)), values, label=cell)
        axis.set_xlabel("step t (the loss reads the last step)")
        axis.set_ylabel("mean ‖∂L/∂state_t‖")
        axis.set_title(title)
        axis.legend(fontsize=8)
    save_figure(figure, path)


def plot_clipping(curves, path):
    """Training loss per step of each curve of `zoo.long_memory.experiments.clipping_curves`."""
    figure, axis = plt.subplots(figsize=(6, 3.6))
    for name, curve in curves.items():
        ended = "" if len(curve["losses"]) == max(len(c["losses"]) for c in curves.values()) else " (loss became inf)"
        axis.semilogy(range(1, len(curve["losses"]) + 1), curve["losses"], label=name + ended)
    axis.set_xlabel("training step (SGD)")
    axis.set_ylabel("batch MSE")
    axis.set_title("simple RNN on the adding problem")
    axis.legend(fontsize=8)
    save_figure(figure, path)
