// The page of `python -m zoo.serve`: one panel per recipe, each calling the server's TensorFlow
// Serving REST API (/v1/models/<name>:predict) as any client would.
"use strict";

const $ = (id) => document.getElementById(id);
const PANELS = ["captioning", "translation", "frame_labeling", "language_model", "forecasting",
                "sequence_classification"];
const FRAME_SECONDS = 0.01;  // frame labeling: one label per 10 ms frame
let current = null;          // {name, recipe, version, signatures, metadata}

async function call(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function predict(body) {
  return call(`/v1/models/${encodeURIComponent(current.name)}:predict`, body);
}

async function working(task) {
  const status = $("status");
  status.className = "";
  status.textContent = "working…";
  try {
    await task();
    status.textContent = "";
  } catch (error) {
    status.className = "error";
    status.textContent = `error: ${error.message}`;
  }
}

function base64(bytes) {
  let text = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000));
  }
  return btoa(text);
}

async function fileBytes(file) {
  return new Uint8Array(await file.arrayBuffer());
}

function show(id, visible = true) {
  $(id).hidden = !visible;
}

function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

// --- choosing a model ------------------------------------------------------------------------

async function loadModels() {
  const {models} = await call("/v1/zoo/models");
  const select = $("model");
  for (const model of models) {
    const option = document.createElement("option");
    option.value = model.name;
    option.textContent = model.recipe ? `${model.name} (${model.recipe})` : model.name;
    select.appendChild(option);
  }
  select.onchange = () => working(() => choose(models.find((m) => m.name === select.value)));
  if (models.length) await choose(models[0]);
}

async function choose(model) {
  current = model;
  current.metadata = await call(`/v1/models/${encodeURIComponent(model.name)}/metadata`);
  $("about").textContent = `version ${model.version} · signatures: ${Object.keys(model.signatures).join(", ")}`;
  const panel = PANELS.includes(model.recipe) ? model.recipe : "any";
  for (const id of PANELS.concat(["any"])) show(id, id === panel);
  if (panel === "sequence_classification") prepareClassifier();
  if (panel === "any") prepareAnyRequest();
  document.body.dataset.panel = panel;
}

function inputsOf(signature) {
  return current.metadata.metadata.signature_def.signature_def[signature].inputs;
}

// --- captioning: the caption, and each greedy word's attention over the image ------------------

async function caption(file) {
  const instance = {b64: base64(await fileBytes(file))};
  const image = $("caption-image");
  const loaded = new Promise((resolve) => { image.onload = resolve; });
  image.src = URL.createObjectURL(file);
  const [beam, greedy] = await Promise.all([
    predict({instances: [instance]}),
    predict({signature_name: "caption_attention", instances: [instance]}),
  ]);
  await loaded;
  $("caption").textContent = beam.predictions[0];
  const {words, attention} = greedy.predictions[0];
  const chips = $("caption-words");
  clear(chips);
  words.forEach((word, step) => {
    if (!word) return;
    const chip = document.createElement("button");
    chip.className = "chip";
    chip.textContent = word;
    chip.onmouseenter = chip.onfocus = chip.onclick = () => {
      for (const other of chips.children) other.classList.remove("chosen");
      chip.classList.add("chosen");
      drawAttention(attention[step]);
    };
    chips.appendChild(chip);
  });
  show("caption-result");
  if (chips.firstChild) chips.firstChild.click();
}

function drawAttention(weights) {
  const side = Math.round(Math.sqrt(weights.length));
  const grid = document.createElement("canvas");
  grid.width = grid.height = side;
  const pixels = grid.getContext("2d").createImageData(side, side);
  const top = Math.max(...weights) || 1;
  weights.forEach((weight, index) => {
    pixels.data.set([0, 0, 0, Math.round(170 * (1 - Math.sqrt(weight / top)))], 4 * index);  // dims what it did not look at
  });
  grid.getContext("2d").putImageData(pixels, 0, 0);
  const image = $("caption-image");
  const overlay = $("caption-attention");
  overlay.width = image.clientWidth;
  overlay.height = image.clientHeight;
  const context = overlay.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.clearRect(0, 0, overlay.width, overlay.height);
  context.drawImage(grid, 0, 0, overlay.width, overlay.height);
}

// --- translation: the n-best list -------------------------------------------------------------

async function translate() {
  const text = $("source").value || $("source").placeholder;
  const answer = await predict({signature_name: "translate_nbest", instances: [text]});
  const {hypotheses, scores} = answer.predictions[0];
  const body = $("nbest").tBodies[0];
  clear(body);
  hypotheses.forEach((hypothesis, rank) => {
    const row = body.insertRow();
    cell(row, String(rank + 1));
    cell(row, hypothesis);
    cell(row, scores[rank].toFixed(3));
  });
  show("nbest");
}

// --- frame labeling: segments on a timeline ----------------------------------------------------

function wavRate(bytes) {
  const text = (start) => String.fromCharCode(...bytes.subarray(start, start + 4));
  if (bytes.length < 28 || text(0) !== "RIFF" || text(8) !== "WAVE") return 0;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(24, true);
}

async function samplesAt16kHz(bytes) {
  const context = new OfflineAudioContext(1, 1, 16000);
  const audio = await context.decodeAudioData(bytes.buffer.slice(0));
  const mono = new Float32Array(audio.length);
  for (let channel = 0; channel < audio.numberOfChannels; channel++) {
    audio.getChannelData(channel).forEach((sample, i) => { mono[i] += sample / audio.numberOfChannels; });
  }
  return Array.from(mono);
}

async function labelRecording(file) {
  const bytes = await fileBytes(file);
  let labels;
  if (wavRate(bytes) === 16000) {  // the SavedModel reads the WAV itself
    const answer = await predict({signature_name: "label_wav", instances: [{b64: base64(bytes)}]});
    labels = answer.predictions[0].labels;
  } else {  // another rate: the browser decodes and resamples, the model takes the samples
    const answer = await predict({inputs: {waveform: [await samplesAt16kHz(bytes)]}});
    labels = answer.outputs.labels[0];
  }
  drawSegments(segmentsOf(labels));
}

function segmentsOf(labels) {
  const segments = [];
  labels.forEach((label, frame) => {
    if (!label) return;
    const last = segments[segments.length - 1];
    if (last && last.label === label && last.end === frame) last.end = frame + 1;
    else segments.push({label, start: frame, end: frame + 1});
  });
  return segments;
}

function colour(label) {
  let hash = 0;
  for (const character of label) hash = (hash * 31 + character.charCodeAt(0)) % 360;
  return `hsl(${(hash * 137.5) % 360}, 60%, 72%)`;
}

function drawSegments(segments) {
  const timeline = $("timeline");
  const body = $("segments").tBodies[0];
  clear(timeline);
  clear(body);
  const frames = segments.length ? segments[segments.length - 1].end : 1;
  for (const segment of segments) {
    const block = document.createElement("div");
    block.className = "segment";
    block.style.left = `${100 * segment.start / frames}%`;
    block.style.width = `${100 * (segment.end - segment.start) / frames}%`;
    block.style.background = colour(segment.label);
    block.title = `${segment.label}: ${(segment.start * FRAME_SECONDS).toFixed(2)}–${(segment.end * FRAME_SECONDS).toFixed(2)} s`;
    block.textContent = segment.label;
    timeline.appendChild(block);
    const row = body.insertRow();
    cell(row, (segment.start * FRAME_SECONDS).toFixed(2));
    cell(row, (segment.end * FRAME_SECONDS).toFixed(2));
    cell(row, segment.label);
  }
  show("segments-result");
}

// --- language model ----------------------------------------------------------------------------

async function generate() {
  const prompt = $("prompt").value || $("prompt").placeholder;
  const answer = await predict({inputs: {
    prompt: [prompt],
    length: parseInt($("length").value, 10),
    temperature: parseFloat($("temperature").value),
    top_k: parseInt($("top-k").value, 10),
    top_p: parseFloat($("top-p").value),
    seed: parseInt($("seed").value, 10),
  }});
  const output = $("continuation");
  clear(output);
  const typed = document.createElement("b");
  typed.textContent = prompt;
  output.appendChild(typed);
  output.appendChild(document.createTextNode(answer.outputs[0]));
  show("continuation");
}

// --- forecasting: the forecast plotted after the history ----------------------------------------

function numbers(text) {
  return text.split(/[\s,;]+/).filter((part) => part !== "").map(Number).filter(Number.isFinite);
}

function lastNumericColumn(text) {
  const values = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split(/[,;\t]/).map((field) => field.trim().replace(/^"|"$/g, ""));
    const found = fields.reverse().find((field) => field !== "" && Number.isFinite(Number(field)));
    if (found !== undefined) values.push(Number(found));
  }
  return values;
}

async function forecast() {
  const history = numbers($("history").value);
  if (!history.length) throw new Error("type or load some numbers first");
  const answer = await predict({instances: [history]});
  const future = answer.predictions[0];
  $("forecast-values").textContent = future.map((value) => value.toFixed(2)).join(", ");
  show("forecast-result");
  plot(history, future);
}

function plot(history, future) {
  const canvas = $("forecast-plot");
  const context = canvas.getContext("2d");
  const all = history.concat(future);
  const low = Math.min(...all), high = Math.max(...all);
  const margin = 30;
  const x = (i) => margin + (canvas.width - 2 * margin) * i / Math.max(all.length - 1, 1);
  const y = (v) => canvas.height - margin - (canvas.height - 2 * margin) * (v - low) / ((high - low) || 1);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#555";
  context.font = "12px sans-serif";
  context.fillText(high.toFixed(2), 2, margin - 8);
  context.fillText(low.toFixed(2), 2, canvas.height - 8);
  const line = (values, offset, colour) => {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    values.forEach((value, i) => (i ? context.lineTo : context.moveTo).call(context, x(i + offset), y(value)));
    context.stroke();
  };
  line(history, 0, "#2a6fb0");
  line([history[history.length - 1]].concat(future), history.length - 1, "#e07b00");
}

// --- sequence classification: a text, or a drawn digit -------------------------------------------

function prepareClassifier() {
  const inputs = inputsOf("serving_default");
  const name = Object.keys(inputs)[0];
  const drawn = inputs[name].dtype !== "DT_STRING";
  show("classify-text", !drawn);
  show("classify-grid", drawn);
  if (drawn) {
    const dims = inputs[name].tensor_shape.dim.map((d) => Number(d.size));
    buildDigitGrid(dims[1], dims[2]);
  }
}

function buildDigitGrid(rows, columns) {
  const grid = $("digit");
  clear(grid);
  grid.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
  let painting = 0;
  for (let i = 0; i < rows * columns; i++) {
    const square = document.createElement("div");
    square.className = "pixel";
    square.dataset.value = "0";
    const paint = (value) => { square.dataset.value = String(value); square.style.opacity = String(0.1 + 0.9 * value); };
    square.onmousedown = (event) => { painting = event.button === 2 ? -1 : 1; paint(painting > 0 ? 1 : 0); };
    square.onmouseenter = () => { if (painting) paint(painting > 0 ? 1 : 0); };
    square.oncontextmenu = (event) => event.preventDefault();
    paint(0);
    grid.appendChild(square);
  }
  document.onmouseup = () => { painting = 0; };
  grid.dataset.rows = rows;
  grid.dataset.columns = columns;
}

async function classify() {
  const inputs = inputsOf("serving_default");
  const name = Object.keys(inputs)[0];
  let instance;
  if (inputs[name].dtype === "DT_STRING") {
    instance = $("review").value;
  } else {
    const grid = $("digit");
    const values = Array.from(grid.children, (square) => Number(square.dataset.value));
    const columns = Number(grid.dataset.columns);
    instance = [];
    for (let start = 0; start < values.length; start += columns) instance.push(values.slice(start, start + columns));
  }
  const answer = await predict({instances: [instance]});
  const {label, probabilities} = answer.predictions[0];
  const names = current.labels || probabilities.map((_, i) => String(i));
  const box = $("classes");
  clear(box);
  const title = document.createElement("p");
  title.innerHTML = "Label: <strong></strong>";
  title.querySelector("strong").textContent = label;
  box.appendChild(title);
  probabilities.forEach((probability, i) => {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = `${Math.max(1, 100 * probability)}%`;
    bar.textContent = `${names[i]} ${(100 * probability).toFixed(1)} %`;
    box.appendChild(bar);
  });
  show("classes");
}

// --- any other model: a raw request ---------------------------------------------------------------

function exampleValue(tensor) {
  const dims = (tensor.tensor_shape.dim || []).map((d) => Number(d.size));
  const leaf = tensor.dtype === "DT_STRING" ? "" : 0;
  const build = (sizes) => (sizes.length ? Array.from({length: sizes[0] < 0 ? 2 : sizes[0]}, () => build(sizes.slice(1))) : leaf);
  return build(dims);
}

function prepareAnyRequest() {
  const select = $("signature");
  clear(select);
  for (const name of Object.keys(current.signatures)) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    select.appendChild(option);
  }
  select.onchange = () => {
    const inputs = inputsOf(select.value);
    const body = {signature_name: select.value, inputs: {}};
    for (const [name, tensor] of Object.entries(inputs)) body.inputs[name] = exampleValue(tensor);
    $("request").value = JSON.stringify(body);
  };
  select.onchange();
}

async function sendAny() {
  const answer = await predict(JSON.parse($("request").value));
  $("response").textContent = JSON.stringify(answer, null, 1);
  show("response");
}

// --- wiring ----------------------------------------------------------------------------------------

function onFile(input, handle) {
  input.onchange = () => { if (input.files.length) working(() => handle(input.files[0])); };
  const zone = input.closest(".drop");
  zone.ondragover = (event) => { event.preventDefault(); zone.classList.add("over"); };
  zone.ondragleave = () => zone.classList.remove("over");
  zone.ondrop = (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) working(() => handle(event.dataTransfer.files[0]));
  };
}

onFile($("image-file"), caption);
onFile($("wav-file"), labelRecording);
onFile($("csv-file"), async (file) => { $("history").value = lastNumericColumn(await file.text()).join("\n"); });
$("translate").onclick = () => working(translate);
$("generate").onclick = () => working(generate);
$("forecast").onclick = () => working(forecast);
$("classify").onclick = () => working(classify);
$("clear-digit").onclick = () => prepareClassifier();
$("send").onclick = () => working(sendAny);
working(loadModels);
