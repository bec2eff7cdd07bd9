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


def plot_clipping(curves, config, path):
    """`zoo.long_memory.studies.clipping_modes`: the training loss under each clipping mode, and the cosine
    between the step taken and the raw gradient (1 for rescaling; below 1 where clipping by value turns it)."""
    figure, (losses, cosines) = plt.subplots(1, 2, figsize=(11, 3.6))
    longest = max(len(curve["losses"]) for curve in curves.values())
    for mode, curve in curves.items():
        ended = "" if len(curve["losses"]) == longest else " (loss became inf)"
        label = "no clipping" if mode == "none" else f"clipping = {mode}, {config.clip_threshold:g}"
        losses.semilogy(range(1, len(curve["losses"]) + 1), curve["losses"], label=label + ended)
        if mode != "none":
            cosines.plot(range(1, len(curve["cosines"]) + 1), curve["cosines"], label=label)
    losses.set_xlabel("training step (SGD)")
    losses.set_ylabel("batch MSE")
    losses.set_title("simple RNN on the adding problem")
    losses.legend(fontsize=8)
    cosines.set_xlabel("training step (SGD)")
    cosines.set_ylabel("cos(step taken, raw gradient)")
    cosines.set_title("how far clipping turns the gradient")
    cosines.set_ylim(-0.05, 1.05)
    cosines.legend(fontsize=8)
    save_figure(figure, path)


def plot_state_norms(norms, path):
    """`{lstm: {"h": [...], "C": [...]}}`: the mean ‖h_t‖ and ‖C_t‖ over a long sequence, log scale."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for axis, state in zip(axes, ("h", "C")):
        for name, values in norms.items():
            axis.semilogy(range(1, len(values[state]) + 1), values[state], label=name)
        axis.set_xlabel("step t")
        axis.set_ylabel(f"mean ‖{state}_t‖")
        axis.set_title(f"‖{state}_t‖ of the adding-problem LSTMs")
        axis.legend(fontsize=8)
    save_figure(figure, path)
