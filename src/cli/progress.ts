// Training progress for the CLI: a live bar per epoch on a terminal (redrawn with \r), one plain
// line per epoch when the output is not a terminal, or one JSON object per line (--json).
import type { Callback, Logs } from '../training/callbacks.js';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'quiet';

export interface Sink { write(s: string): unknown; isTTY?: boolean; columns?: number }

export function progressMode(o: { json?: boolean; quiet?: boolean }, out: Sink): ProgressMode {
  if (o.json) return 'json';
  if (o.quiet) return 'quiet';
  return out.isTTY ? 'tty' : 'plain';
}

const fmt = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return `${m}m${String(r).padStart(2, '0')}s`;
}

/** A training callback that reports progress; epochs are numbered from 1 in what it prints. */
export class Progress implements Callback {
  private epoch = 0;
  private t0 = 0;
  private seen = 0;
  private lossSum = 0;
  private correct = 0;
  private lastDraw = 0;
  /** A bar is on the current line (drawn, not yet ended by the epoch's line). */
  private drawn = false;

  constructor(readonly mode: ProgressMode, readonly out: Sink, readonly epochs: number, readonly samplesPerEpoch: number, readonly batchSize: number) {}

  /** A line of text for people (nothing in JSON or quiet mode). */
  info(line: string): void {
    if (this.mode === 'tty' || this.mode === 'plain') this.out.write(`${line}\n`);
  }

  /** An event: printed as a JSON line in JSON mode only. */
  event(obj: Record<string, unknown>): void {
    if (this.mode === 'json') this.out.write(`${JSON.stringify(obj)}\n`);
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.t0 = performance.now();
    this.seen = 0; this.lossSum = 0; this.correct = 0; this.lastDraw = 0;
    if (this.mode === 'tty') this.draw();
  }

  onBatchEnd(_batch: number, logs: Logs): void {
    const m = logs.size ?? this.batchSize;
    this.seen += m;
    this.lossSum += (logs.loss ?? 0) * m;
    this.correct += (logs.accuracy ?? 0) * m;
    if (this.mode !== 'tty') return;
    const now = performance.now();
    if (now - this.lastDraw >= 100 || this.seen >= this.samplesPerEpoch) { this.lastDraw = now; this.draw(); }
  }

  private draw(): void {
    const secs = (performance.now() - this.t0) / 1000;
    const frac = Math.min(1, this.seen / this.samplesPerEpoch);
    const rate = secs > 0 ? this.seen / secs : 0;
    const eta = rate > 0 ? (this.samplesPerEpoch - this.seen) / rate : NaN;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 100) - 80));
    const filled = Math.round(frac * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled ? (frac >= 1 ? '=' : '>') : '') + '.'.repeat(width - filled);
    const head = `Epoch ${this.epoch + 1}/${this.epochs}`;
    const stats = this.seen ? ` loss ${fmt(this.lossSum / this.seen)} acc ${fmt(this.correct / this.seen)} ${Math.round(rate)} samples/s ETA ${formatDuration(eta)}` : '';
    this.out.write(`\r${head} [${bar}] ${String(Math.round(frac * 100)).padStart(3)}%${stats}\x1b[K`);
    this.drawn = true;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const secs = (performance.now() - this.t0) / 1000;
    const rate = secs > 0 ? this.seen / secs : 0;
    if (this.mode === 'json') {
      this.event({ event: 'epoch', epoch: epoch + 1, epochs: this.epochs, ...logs, seconds: round(secs, 3), samplesPerSecond: Math.round(rate) });
      return;
    }
    if (this.mode === 'quiet') return;
    const val = logs.val_loss !== undefined ? ` - val_loss ${fmt(logs.val_loss)} - val_acc ${fmt(logs.val_accuracy)}` : '';
    const line = `Epoch ${epoch + 1}/${this.epochs} - ${formatDuration(secs)} - ${Math.round(rate)} samples/s - loss ${fmt(logs.loss)} - acc ${fmt(logs.accuracy)}${val}`;
    this.out.write(this.mode === 'tty' ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  /** Ends a half-drawn bar (before an interruption message), also one drawn at 0% before its
   *  first batch (Ctrl-C right at the start of an epoch). */
  breakLine(): void {
    if (this.mode === 'tty' && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

export const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
