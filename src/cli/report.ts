// The --report page: one self-contained HTML file (no scripts, styles inline, no external
// resources) with the learning curves (loss and accuracy, train and validation) and the confusion
// matrix drawn as inline SVG, plus the numbers in tables. Written as polyglot XHTML (every tag
// closed, every attribute quoted) so an XML parser can check it.
import type { History } from '../training/callbacks.js';
import type { ClassReport } from '../metrics.js';

export interface ReportInput {
  title: string;
  /** Label: value lines shown at the top (architecture, data, epochs, time...). */
  facts: [string, string][];
  history: History;
  labels: string[];
  /** Evaluations to show (e.g. 'validation', 'test'), each with its class report. */
  evaluations: { name: string; report: ClassReport }[];
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const num = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '-');

const COLORS = { train: '#1f77b4', val: '#d62728' };

/** A line chart of one metric over the epochs: train (and validation when present). */
function lineChart(title: string, epochs: number[], series: { name: string; color: string; values: number[] }[]): string {
  const W = 420, H = 260, L = 56, R = 16, T = 30, B = 40;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0 || epochs.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">no ${esc(title)} recorded</text></svg>`;
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.05; lo -= pad; hi += pad;
  const e0 = epochs[0] + 1, e1 = epochs[epochs.length - 1] + 1;
  const x = (e: number) => L + (e1 === e0 ? (W - L - R) / 2 : ((e - e0) / (e1 - e0)) * (W - L - R));
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(`<line x1="${L - 4}" y1="${y(v).toFixed(1)}" x2="${W - R}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${num(v, 3)}</text>`);
  }
  const step = Math.max(1, Math.ceil(epochs.length / 10));
  epochs.forEach((e, i) => {
    if (i % step === 0 || i === epochs.length - 1) parts.push(`<text x="${x(e + 1).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${e + 1}</text>`);
  });
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">epoch</text>`);
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => [x(epochs[i] + 1), y(v)] as const).filter(([, py]) => Number.isFinite(py));
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) parts.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<rect x="${W - R - 120}" y="${T + 4 + k * 16}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${W - R - 105}" y="${T + 13 + k * 16}" font-size="12">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The confusion matrix as a heat map: rows are true labels, columns predicted ones. */
function confusionSvg(labels: string[], m: number[][]): string {
  const n = labels.length;
  const cell = Math.max(28, Math.min(70, Math.floor(420 / n)));
  const L = 120, T = 110;
  const W = L + n * cell + 10, H = T + n * cell + 10;
  const max = Math.max(1, ...m.flat());
  const short = (s: string) => esc(s.length > 14 ? `${s.slice(0, 13)}…` : s);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="confusion matrix">`,
    `<text x="${L + (n * cell) / 2}" y="16" text-anchor="middle" font-size="12">predicted</text>`,
    `<text x="12" y="${T + (n * cell) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${T + (n * cell) / 2})">true</text>`];
  for (let j = 0; j < n; j++) {
    const cx = L + j * cell + cell / 2;
    parts.push(`<text x="${cx}" y="${T - 8}" font-size="11" text-anchor="start" transform="rotate(-45 ${cx} ${T - 8})">${short(labels[j])}</text>`);
  }
  for (let i = 0; i < n; i++) {
    parts.push(`<text x="${L - 6}" y="${T + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${short(labels[i])}</text>`);
    for (let j = 0; j < n; j++) {
      const v = m[i][j], a = v / max;
      const fill = i === j ? `rgba(31,119,180,${(0.1 + 0.9 * a).toFixed(3)})` : `rgba(214,39,40,${(v ? 0.15 + 0.85 * a : 0.03).toFixed(3)})`;
      parts.push(`<rect x="${L + j * cell}" y="${T + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>`,
        `<text x="${L + j * cell + cell / 2}" y="${T + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="12" fill="${a > 0.6 ? '#fff' : '#000'}">${v}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function classTable(labels: string[], r: ClassReport): string {
  const rows = labels.map((l, c) => `<tr><td>${esc(l)}</td><td>${num(r.precision[c])}</td><td>${num(r.recall[c])}</td><td>${num(r.f1[c])}</td><td>${r.support[c]}</td></tr>`);
  return `<table><thead><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>
${rows.join('\n')}
<tr class="macro"><td>macro average</td><td>${num(r.macroPrecision)}</td><td>${num(r.macroRecall)}</td><td>${num(r.macroF1)}</td><td>${r.support.reduce((a, b) => a + b, 0)}</td></tr>
</tbody></table>`;
}

function historyTable(h: History): string {
  const keys = Object.keys(h.history);
  const rows = h.epoch.map((e, i) => `<tr><td>${e + 1}</td>${keys.map((k) => `<td>${num(h.history[k][i])}</td>`).join('')}</tr>`);
  return `<table><thead><tr><th>epoch</th>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

export function renderReport(r: ReportInput): string {
  const h = r.history.history;
  const curve = (metric: string) => lineChart(metric, r.history.epoch, [
    { name: `train ${metric}`, color: COLORS.train, values: h[metric] ?? [] },
    ...(h[`val_${metric}`] ? [{ name: `validation ${metric}`, color: COLORS.val, values: h[`val_${metric}`] }] : []),
  ]);
  const evals = r.evaluations.map((e) => `<section>
<h2>${esc(e.name)}: accuracy ${num(e.report.accuracy)}</h2>
<div class="row"><div>${confusionSvg(r.labels, e.report.confusion)}</div>
<div>${classTable(r.labels, e.report)}</div></div>
</section>`);
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>${esc(r.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
tr.macro td { font-weight: bold; }
.row { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }
dt { font-weight: bold; }
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<dl>
${r.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}
</dl>
<section>
<h2>Learning curves</h2>
<div class="row"><div>${curve('loss')}</div><div>${curve('accuracy')}</div></div>
${historyTable(r.history)}
</section>
${evals.join('\n')}
</body>
</html>
`;
}
