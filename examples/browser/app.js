// The browser demo: classifies the text as the user types (on the page's thread, simd build)
// and trains a new classifier from a CSV in a dedicated Worker (startTraining) with a live
// loss/accuracy chart, then offers the .wnn for download. Plain ES modules, no bundler.
import { init, env, TextClassifier, startTraining, TrainingCancelled } from '../../dist/browser/index.js';

const $ = (id) => document.getElementById(id);
const describe = (e) => `${e.build}, ${e.threads} thread${e.threads > 1 ? 's' : ''} — ${e.reason}`;

let classifier = null;
let job = null;
let trainedBytes = null;
let downloadUrl = null;

/** For the end-to-end tests and the curious: the demo's state. */
const demo = { ready: null, lastText: null, lastPrediction: null, trainingDone: null, workerEnv: null };
globalThis.wasmnnDemo = demo;

async function main() {
  $('env-isolation').textContent = globalThis.crossOriginIsolated
    ? 'cross-origin isolated (COOP + COEP): the training Worker runs threads'
    : 'not cross-origin isolated: the training Worker runs one thread';
  await init();   // the page's own runtime: a page's main thread cannot block, so no threads
  $('env-page').textContent = describe(env());
  await useModel(await fetchBytes('/model/demo.wnn'), 'demo model: SpamAssassin');
  $('text').addEventListener('input', scheduleClassify);
  $('csv-file').addEventListener('change', loadFile);
  $('load-sample').addEventListener('click', loadSample);
  $('start').addEventListener('click', train);
  // a small sample learns faster with a bolder rate than the bag model's default of 0.01
  $('arch').addEventListener('change', () => { $('lr').value = $('arch').value === 'bag' ? '0.05' : ''; });
  $('cancel').addEventListener('click', () => job?.cancel());
  $('use').addEventListener('click', () => useModel(trainedBytes, 'trained in this page'));
}

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url} (${res.status}); start the demo with npm run demo:browser`);
  return new Uint8Array(await res.arrayBuffer());
}

async function useModel(bytes, name) {
  const previous = classifier;
  classifier = TextClassifier.fromBytes(bytes);
  if (previous && previous !== classifier) previous.model.dispose();   // its weights leave the page's wasm heap
  $('model-name').textContent = `${name} — labels ${classifier.labels.join(', ')}, ${(bytes.length / 1024).toFixed(0)} KiB`;
  classify();
}

// ---- classify as the user types --------------------------------------------------------------

let pending = false;
function scheduleClassify() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; classify(); });
}

function classify() {
  if (!classifier) return;
  const text = $('text').value;
  const t0 = performance.now();
  const [p] = classifier.predict(text);
  const ms = performance.now() - t0;
  demo.lastText = text;
  demo.lastPrediction = p;
  const rows = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]);
  $('prediction').replaceChildren(...rows.map(([label, prob]) => {
    const row = document.createElement('div');
    row.className = `label-row${label === p.label ? ' top' : ''}`;
    row.dataset.label = label;
    row.innerHTML = '<span class="name"></span><div class="track"><div class="fill"></div></div><span class="value"></span>';
    row.querySelector('.name').textContent = label;
    row.querySelector('.fill').style.width = `${(prob * 100).toFixed(1)}%`;
    row.querySelector('.value').textContent = `${(prob * 100).toFixed(1)}%`;
    return row;
  }));
  $('latency').textContent = `${ms.toFixed(2)} ms for this prediction on the page's thread`;
}

// ---- training in a Worker --------------------------------------------------------------------

async function loadFile(event) {
  const file = event.target.files?.[0];
  if (!file) return;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    $('csv-info').textContent = `${file.name}: not UTF-8 text; save the CSV as UTF-8 and choose it again`;
    return;
  }
  $('csv').value = text;
  $('csv-info').textContent = `${file.name}, ${(file.size / 1024).toFixed(0)} KiB`;
}

async function loadSample() {
  const res = await fetch('data/sample.csv');
  $('csv').value = await res.text();
  $('csv-info').textContent = '400 SpamAssassin e-mails (text,label)';
}

function train() {
  const csv = $('csv').value;
  if (!csv.trim()) { $('status').textContent = 'Paste a CSV, choose a file or load the sample first.'; return; }
  // the form's own limits (min, max, step), which typing can get around: refuse before training
  const bad = ['epochs', 'batch', 'lr', 'val'].map((id) => $(id)).find((el) => !el.checkValidity() || (el.id !== 'lr' && el.value === ''));
  if (bad) {
    $('status').textContent = `${bad.parentElement.textContent.trim()}: ${bad.value === '' ? 'enter a value' : bad.validationMessage}`;
    bad.focus();
    return;
  }
  const options = {
    arch: $('arch').value,
    epochs: Number($('epochs').value),
    batchSize: Number($('batch').value),
    learningRate: $('lr').value ? Number($('lr').value) : undefined,   // empty: the architecture's default
    valSplit: Number($('val').value),
    seed: 42,
  };
  const chart = new Chart($('chart'), options.epochs);
  $('start').disabled = true;
  $('cancel').disabled = false;
  $('download').hidden = true;
  $('use').hidden = true;
  $('bar').style.width = '0';
  $('status').textContent = 'starting the training Worker…';
  $('env-worker').textContent = 'starting…';
  job = startTraining(csv, { ...options, progressIntervalMs: 50 });
  job.env.then((e) => { demo.workerEnv = e; $('env-worker').textContent = describe(e); }, () => {});
  job.onProgress((p) => {
    chart.add(p);
    $('bar').style.width = `${(p.fraction * 100).toFixed(1)}%`;
    const logs = Object.entries(p.logs).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' · ');
    $('status').textContent = `epoch ${p.epoch + 1}/${p.epochs}, batch ${p.batch}/${p.batches} — ${logs} — ${Math.round(p.samplesPerSecond)} samples/s`;
  });
  demo.trainingDone = job.result.then(({ bytes, report }) => {
    trainedBytes = bytes;
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    $('download').href = downloadUrl;
    $('download').download = `${report.arch}-classifier.wnn`;
    $('download').hidden = false;
    $('use').hidden = false;
    $('bar').style.width = '100%';
    const h = report.history.history;
    const last = (k) => (h[k] ? h[k][h[k].length - 1] : undefined);
    const acc = last('val_accuracy') ?? last('accuracy');
    $('status').textContent = `done: ${report.epochs} epochs on ${report.samples.train} texts in ${report.seconds.toFixed(1)} s ` +
      `(${Math.round(report.samplesPerSecond)} samples/s)${acc !== undefined ? `, ${last('val_accuracy') !== undefined ? 'validation ' : ''}accuracy ${(acc * 100).toFixed(1)}%` : ''}; ` +
      `${(bytes.length / 1024).toFixed(0)} KiB model`;
    return report;
  }, (e) => {
    $('status').textContent = e instanceof TrainingCancelled ? 'cancelled' : `failed: ${e.message}`;
    if (!(e instanceof TrainingCancelled)) $('env-worker').textContent = 'failed';
    return null;
  }).finally(() => {
    $('start').disabled = false;
    $('cancel').disabled = true;
    job = null;
  });
}

/** Loss (red) and accuracy (blue) against progress; dashed: validation, per epoch. */
class Chart {
  constructor(svg, epochs) {
    this.svg = svg;
    this.epochs = epochs;
    this.series = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
    this.draw();
  }

  add(p) {
    const x = p.kind === 'epoch' ? (p.epoch + 1) / p.epochs : p.fraction;
    for (const k of ['loss', 'accuracy']) if (p.kind === 'batch' && p.logs[k] !== undefined) this.series[k].push([x, p.logs[k]]);
    for (const k of ['val_loss', 'val_accuracy']) if (p.logs[k] !== undefined) this.series[k].push([x, p.logs[k]]);
    this.draw();
  }

  draw() {
    const W = 640, H = 220, L = 40, R = 40, T = 26, B = 26;
    const lossMax = Math.max(1, ...this.series.loss.map((v) => v[1]), ...this.series.val_loss.map((v) => v[1]));
    const px = (x) => L + x * (W - L - R);
    const py = (y, max) => T + (1 - Math.min(y / max, 1)) * (H - T - B);
    const line = (pts, max, cls) => pts.length > 1
      ? `<polyline class="${cls}" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y, max).toFixed(1)}`).join(' ')}"/>` : '';
    const dots = (pts, max, color) => pts.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y, max).toFixed(1)}" r="3" fill="${color}"/>`).join('');
    let grid = '';
    for (let e = 0; e <= this.epochs; e++) {
      grid += `<line class="grid" x1="${px(e / this.epochs)}" x2="${px(e / this.epochs)}" y1="${T}" y2="${H - B}"/>`;
      if (e > 0) grid += `<text x="${px(e / this.epochs) - 4}" y="${H - 8}">${e}</text>`;
    }
    this.svg.innerHTML = grid +
      `<text x="4" y="${T + 8}">${lossMax.toFixed(1)}</text><text x="4" y="${H - B}">0</text>` +
      `<text x="${W - R + 6}" y="${T + 8}">100%</text><text x="${W - R + 6}" y="${H - B}">0%</text>` +
      `<text x="${L}" y="${H - 8}">epoch</text>` +
      `<text x="${L}" y="14" style="fill:#d2453a">loss</text><text x="${L + 40}" y="14" style="fill:#2f6fde">accuracy</text><text x="${L + 110}" y="14">dashed: validation</text>` +
      line(this.series.loss, lossMax, 'loss') + line(this.series.accuracy, 1, 'acc') +
      line(this.series.val_loss, lossMax, 'loss val') + line(this.series.val_accuracy, 1, 'acc val') +
      dots(this.series.val_loss, lossMax, '#d2453a') + dots(this.series.val_accuracy, 1, '#2f6fde');
  }
}

demo.ready = main().catch((e) => {
  $('env-page').textContent = `failed: ${e.message}`;
  throw e;
});
