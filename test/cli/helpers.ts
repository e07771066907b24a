// Helpers of the CLI tests: small generated labelled-text data sets, a CSV writer (RFC 4180) and
// a runner for the real bin (node dist/cli/main.js, built by `npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../../src/random.js';

export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export const tempDir = () => mkdtempSync(join(tmpdir(), 'wasmnn-cli-'));

const WORDS: Record<string, string[]> = {
  pos: ['great', 'excellent', 'love', 'wonderful', 'happy', 'superb', 'enjoyed'],
  neg: ['bad', 'awful', 'hate', 'terrible', 'boring', 'poor', 'horrible'],
  mixed: ['okay', 'average', 'fine', 'mediocre', 'so-so', 'middling', 'decent'],
};
const FILLER = ['the', 'movie', 'was', 'a', 'plot', 'actor', 'really', 'quite', 'and', 'story', 'film', 'scene'];

/** n texts of `classes` sentiment-like classes: each text mixes filler with its class's words. */
export function sentimentData(n: number, seed = 1, classes: string[] = ['pos', 'neg']): { texts: string[]; labels: string[] } {
  const rng = new Random(seed);
  const texts: string[] = [], labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = classes[i % classes.length];
    const words: string[] = [];
    const len = 8 + rng.below(10);
    for (let k = 0; k < len; k++) words.push(rng.uniform() < 0.35 ? WORDS[label][rng.below(7)] : FILLER[rng.below(FILLER.length)]);
    texts.push(words.join(' '));
    labels.push(label);
  }
  return { texts, labels };
}

/** RFC 4180 CSV: every field quoted when it holds the delimiter, a quote or a line break. */
export function toCsv(rows: string[][], delim = ',', eol = '\r\n'): string {
  const q = (v: string) => (v.includes(delim) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(q).join(delim)).join(eol) + eol;
}

export function dataCsv(d: { texts: string[]; labels: string[] }, cols = ['text', 'label']): string {
  return toCsv([cols, ...d.texts.map((t, i) => [t, d.labels[i]])]);
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs the bin to completion. */
export function run(args: string[], options: { input?: string; cwd?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: options.input, cwd: options.cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the bin; resolves with its exit once done. */
export function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const done = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, out: () => stdout };
}

/** JSON lines of an output. */
export const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
