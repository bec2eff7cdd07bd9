"""Server-side batching: concurrent requests of one signature run as one batch, as TensorFlow Serving's
batching options do (`batch_timeout_micros`, `max_batch_size`).

A request runs at once while the model has a free thread (`capacity`); when every thread is busy it
waits, and the requests of its kind that arrive meanwhile join it, until a thread frees (or `window`
seconds pass, or the batch holds `max_batch` rows). So one client sees no added wait, and under load
batches grow with the traffic. Only requests of one kind share a batch: the same inputs with the same dtypes and the same
sizes after the batch axis (two waveforms of different lengths never share one). A request of
`max_batch` rows or more, and every request of a signature that cannot be batched, runs alone. When a
batch fails, each of its requests is rerun alone, so one bad request refuses only itself.
"""

import asyncio

import numpy as np


def can_batch(input_specs, output_specs):
    """Whether a signature's requests may be concatenated along the first axis and its outputs split back.

    Every input and output needs a batch axis, and an output with a free size after the batch axis
    (e.g. one label per frame) is batchable only when an input has one too, so that requests of equal
    input sizes give outputs of equal sizes; a free output size that depends on the data (e.g. the words
    of a caption) would be padded to the longest answer in the batch.
    """
    if any(spec.shape.rank in (None, 0) for spec in list(input_specs.values()) + list(output_specs.values())):
        return False
    free_input = any(None in spec.shape.as_list()[1:] for spec in input_specs.values())
    free_output = any(None in spec.shape.as_list()[1:] for spec in output_specs.values())
    return free_input or not free_output


class Batcher:
    """Runs one signature's requests, batching those of one kind.

    Args:
        run: callable `(inputs)` → outputs, both dicts name → numpy array with a leading batch axis;
            called in `executor`'s threads.
        executor: a `concurrent.futures.Executor`.
        window: float. Most seconds a request waits for a free thread and others to join it; 0 runs every
            request alone, at once.
        max_batch: int. Most rows in one batch.
        capacity: int. Batches run at once (the executor's threads).

    Attributes:
        requests, batches, rows: int. Requests answered, model runs, rows run: `rows / batches` is the
            mean batch size.

    Example:
        >>> batcher = Batcher(run, executor, window=0.010, max_batch=32, capacity=2)
        >>> outputs = await batcher.submit({"text": np.array([b"3 cats"], dtype=object)})
    """

    def __init__(self, run, executor, window, max_batch, capacity=1):
        self.run, self.executor, self.window, self.max_batch = run, executor, window, max_batch
        self.capacity, self.running = capacity, 0
        self.requests = self.batches = self.rows = 0
        self._waiting = {}  # kind → [(inputs, rows, future)]
        self._tasks = set()  # the running batches: the event loop keeps only weak references to tasks

    async def submit(self, inputs):
        """The outputs of one request (a dict name → array with a leading batch axis)."""
        if self.window <= 0:
            return await self._run_alone(inputs)
        rows = len(next(iter(inputs.values())))
        if rows >= self.max_batch:
            return await self._run_alone(inputs)
        loop = asyncio.get_running_loop()
        kind = tuple((name, array.dtype.str, array.shape[1:]) for name, array in sorted(inputs.items()))
        group = self._waiting.get(kind)
        if group and sum(entry[1] for entry in group) + rows > self.max_batch:
            self._flush(kind)
            group = None
        if not group:
            group = self._waiting[kind] = []
            loop.call_later(self.window, self._flush_if_waiting, kind, group)
        future = loop.create_future()
        group.append((inputs, rows, future))
        if sum(entry[1] for entry in group) >= self.max_batch or self.running < self.capacity:
            self._flush(kind)
        return await future

    def stats(self):
        return dict(requests=self.requests, batches=self.batches, rows=self.rows,
                    mean_batch_size=self.rows / self.batches if self.batches else None)

    async def _run_alone(self, inputs):
        self.requests += 1
        return await self._execute(inputs)

    async def _execute(self, inputs):
        self.batches += 1
        self.rows += min((len(value) for value in inputs.values() if value.ndim), default=1)
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.run, inputs)

    def _flush_if_waiting(self, kind, group):
        if self._waiting.get(kind) is group:
            self._flush(kind)

    def _flush(self, kind):
        group = self._waiting.pop(kind)
        self.running += 1
        task = asyncio.get_running_loop().create_task(self._run_group(group))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_group(self, group):
        try:
            await self._answer_group(group)
        finally:
            self.running -= 1
            if self._waiting and self.running < self.capacity:
                self._flush(next(iter(self._waiting)))  # the kind that has waited longest

    async def _answer_group(self, group):
        group = [entry for entry in group if not entry[2].done()]  # a timed-out request's place is dropped
        if not group:
            return
        if len(group) == 1:
            inputs, _, future = group[0]
            await self._settle(future, self._run_alone(inputs))
            return
        batch = {name: np.concatenate([entry[0][name] for entry in group]) for name in group[0][0]}
        try:
            outputs = await self._execute(batch)
        except Exception:  # noqa: BLE001 - some request of the batch is bad: each runs alone to find it
            for inputs, _, future in group:
                await self._settle(future, self._run_alone(inputs))
            return
        self.requests += len(group)
        start = 0
        for _, rows, future in group:
            if not future.done():
                future.set_result({name: value[start:start + rows] for name, value in outputs.items()})
            start += rows

    @staticmethod
    async def _settle(future, work):
        try:
            result = await work
        except Exception as error:  # noqa: BLE001 - handed to the request that waits for it
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(result)
