// ModelCheckpoint: saves the model to a .wnn file at each epoch's end, as Keras' callback does.
// Node only (it writes files); in a file of its own so that callbacks.ts, which the browser
// training Worker bundles, stays free of file code. The node: modules are imported when a save
// runs (nodeModule, as io/node.ts does), so the main entry's browser bundle may hold this file.
import type { Sequential } from '../models/sequential.js';
import { saveModel } from '../io/node.js';
import { checkBool, checkOptions, closestOption, describe, optionNames } from '../options.js';
import { hostKind, nodeModule } from '../runtime/features.js';
import { checkCallbackVerbose, givenOnly, Monitor, type Callback, type Logs, type MonitorArgs } from './callbacks.js';

export interface ModelCheckpointArgs extends MonitorArgs {
  /**
   * Where to save. May hold Python format placeholders, as Keras' filepath: `{epoch}` (1-based,
   * `{epoch:02d}` zero-padded) and any key of the epoch's logs (`{val_loss}`, `{val_loss:.4f}`).
   * Its directory is created if it does not exist.
   */
  filepath: string;
  /** Save only when the monitored value improved on the best so far (a filepath without placeholders then holds the best model). */
  saveBestOnly?: boolean;
  /** Leave out the optimizer state (the file still loads and predicts; training resumes from fresh optimizer state). */
  saveWeightsOnly?: boolean;
  /** 'epoch': save at each epoch's end (the only frequency). */
  saveFreq?: 'epoch';
  /** 1: a line each time it saves or skips. Default 0. */
  verbose?: 0 | 1 | boolean;
}

const MODEL_CHECKPOINT_OPTIONS = optionNames<ModelCheckpointArgs>({
  filepath: true, monitor: true, verbose: true, saveBestOnly: true, saveWeightsOnly: true, mode: true, saveFreq: true,
});

/** A format of a placeholder: none (Python's str), `.Nf` (N decimals), or `[0][W]d` (a whole number, padded to W). */
type Format = { type: 'none' } | { type: 'f'; digits: number } | { type: 'd'; width: number; zero: boolean };
type Piece = string | { key: string; format: Format; text: string };

const FORMATS_TAKEN = "{key} or {key:.Nf} (N decimals) for a log value, {epoch} or {epoch:0Nd} (padded to N digits) for the epoch; '{{' and '}}' for braces";

/** The filepath's literal text and placeholders, as Python's str.format reads them (the subset Keras' filepaths use). */
function parseFilepath(filepath: string): Piece[] {
  const bad = (why: string) => {
    throw new RangeError(`wasmnn: ModelCheckpoint: filepath ${JSON.stringify(filepath)} ${why} (placeholders: ${FORMATS_TAKEN})`);
  };
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < filepath.length; i++) {
    const c = filepath[i];
    if (c === '}') {
      if (filepath[i + 1] !== '}') bad(`has a single '}' at ${i}; write '}}' for a brace`);
      text += '}';
      i++;
      continue;
    }
    if (c !== '{') { text += c; continue; }
    if (filepath[i + 1] === '{') { text += '{'; i++; continue; }
    const end = filepath.indexOf('}', i);
    if (end < 0) bad(`has a '{' at ${i} that is never closed; write '{{' for a brace`);
    const field = filepath.slice(i + 1, end);
    if (field.includes('{')) bad(`has a placeholder inside a placeholder, {${field}`);
    const colon = field.indexOf(':');
    const key = colon < 0 ? field : field.slice(0, colon);
    const spec = colon < 0 ? '' : field.slice(colon + 1);
    if (key === '' || /^\d+$/.test(key)) bad(`has a placeholder {${field}} without a name; name a log key such as {val_loss}, or {epoch}`);
    if (/[.[!]/.test(key)) bad(`has a placeholder {${field}} with an attribute, index or conversion, which ModelCheckpoint does not take`);
    let format: Format;
    const f = /^(?:\.(\d+))?f$/.exec(spec);
    const d = /^(0?)(\d*)d$/.exec(spec);
    if (spec === '') format = { type: 'none' };
    else if (f) format = { type: 'f', digits: f[1] === undefined ? 6 : Number(f[1]) };
    else if (d) {
      // Keras' log values are Python floats, which the 'd' format refuses
      if (key !== 'epoch') bad(`formats {${key}} as a whole number ('${spec}'), and log values are fractional; use {${key}:.Nf}`);
      format = { type: 'd', width: d[2] === '' ? 0 : Number(d[2]), zero: d[1] === '0' };
    } else {
      return bad(`formats {${key}} as '${spec}', which ModelCheckpoint does not support`);
    }
    if (text) pieces.push(text);
    text = '';
    pieces.push({ key, format, text: `{${field}}` });
    i = end;
  }
  if (text) pieces.push(text);
  return pieces;
}

/** Python's format(x, '.Nf'): the double's exact value rounded half to even at `digits` decimals; nan, inf, -inf, and -0 keeps its sign. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  // |x| = mantissa * 2^exponent exactly
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale, den = 1n << BigInt(-exponent);
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q++;
  }
  const s = q.toString().padStart(digits + 1, '0');
  const whole = s.slice(0, s.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${s.slice(s.length - digits)}` : ''}`;
}

/** Python's str(x) of a float: the shortest digits that read back as x, in exponent form below 1e-4 or from 1e16. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() gives the shortest digits that round-trip, as Python's repr
  const [m, e] = Math.abs(x).toExponential().split('e');
  const exp = Number(e);
  const digits = m.replace('.', '');
  if (exp < -4 || exp >= 16) {
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function formatValue(v: number, format: Format, isEpoch: boolean): string {
  if (format.type === 'f') return formatFixed(v, format.digits);
  if (format.type === 'd') {
    const s = String(Math.abs(v));
    const pad = Math.max(0, format.width - s.length - (v < 0 ? 1 : 0));
    return format.zero ? `${v < 0 ? '-' : ''}${'0'.repeat(pad)}${s}` : `${' '.repeat(pad)}${v < 0 ? '-' : ''}${s}`;
  }
  return isEpoch ? String(v) : pythonFloat(v);
}

/**
 * The file name of an epoch: the filepath with its placeholders filled as Keras fills them
 * (filepath.format(epoch=epoch + 1, **logs)). A placeholder the logs do not have is an error
 * naming the keys they have. Exported for tests.
 */
export function formatFilepath(filepath: string, epoch: number, logs: Logs, pieces: Piece[] = parseFilepath(filepath)): string {
  return pieces.map((p) => {
    if (typeof p === 'string') return p;
    if (p.key === 'epoch') return formatValue(epoch + 1, p.format, true);
    const v = logs[p.key];
    if (typeof v !== 'number') {
      const have = Object.keys(logs);
      const near = closestOption(p.key, have);
      const fix = near ? `did you mean {${near}}?` : p.key.startsWith('val_') ? 'pass validationData or validationSplit to fit, or name a training figure' : 'name one of those, or {epoch}';
      throw new Error(`wasmnn: ModelCheckpoint: filepath ${JSON.stringify(filepath)} names ${p.text}, which the epoch's logs do not have (they have ${have.length ? have.join(', ') : 'none'}); ${fix}`);
    }
    return formatValue(v, p.format, false);
  }).join('');
}

/**
 * Saves the model at each epoch's end (Keras' ModelCheckpoint), with saveModel: a .wnn file
 * written atomically (a temp file, then a rename), with the optimizer state unless
 * saveWeightsOnly, so training resumes exactly from a checkpoint. With saveBestOnly only epochs
 * whose monitored value beats the best so far are saved; the best is kept across fit calls, as
 * Keras keeps it. Node only.
 */
export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  get monitor(): string { return this.watch.key; }
  get mode(): 'min' | 'max' { return this.watch.mode; }
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' = 'epoch';
  readonly verbose: 0 | 1;
  /** The best monitored value saved so far (saveBestOnly). */
  best: number;
  private readonly watch: Monitor;
  private readonly pieces: Piece[];
  private model: Sequential | null = null;

  constructor(args: ModelCheckpointArgs) {
    checkOptions('ModelCheckpoint', args, MODEL_CHECKPOINT_OPTIONS);
    if (args === undefined || args === null) throw new TypeError("wasmnn: ModelCheckpoint needs { filepath: 'checkpoints/model-{epoch:02d}.wnn', ... }");
    const given = givenOnly(args);
    if (typeof given.filepath !== 'string' || given.filepath === '') {
      throw new TypeError(`wasmnn: ModelCheckpoint: filepath must be the path of the file to save, such as 'checkpoints/model-{epoch:02d}-{val_loss:.4f}.wnn', got ${describe(given.filepath)}`);
    }
    this.filepath = given.filepath;
    this.pieces = parseFilepath(this.filepath);
    this.watch = new Monitor('ModelCheckpoint', given, null);
    this.saveBestOnly = checkBool('ModelCheckpoint', 'saveBestOnly', given.saveBestOnly, false);
    this.saveWeightsOnly = checkBool('ModelCheckpoint', 'saveWeightsOnly', given.saveWeightsOnly, false);
    const freq: unknown = given.saveFreq ?? 'epoch';
    if (typeof freq === 'number') {
      throw new RangeError(`wasmnn: ModelCheckpoint: saveFreq ${freq} (every ${freq} batches) is not supported; saveFreq is 'epoch' (save at each epoch's end)`);
    }
    if (freq !== 'epoch') throw new TypeError(`wasmnn: ModelCheckpoint: saveFreq must be 'epoch' (save at each epoch's end), got ${describe(freq)}`);
    this.verbose = checkCallbackVerbose('ModelCheckpoint', given.verbose);
    if (hostKind() !== 'node') {
      throw new Error('wasmnn: ModelCheckpoint writes files, which needs node; in a page or Worker, save with encodeWnn({ model }) from an onEpochEnd callback instead');
    }
    this.best = this.watch.worst;
  }

  setModel(m: Sequential): void { this.model = m; }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const path = formatFilepath(this.filepath, epoch, logs, this.pieces);
    if (this.saveBestOnly) {
      const v = this.watch.valueIn(logs);
      const from = formatFixed(this.best, 5);
      if (!this.watch.improves(v, this.best)) {
        if (this.verbose) console.log(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${from}`);
        return;
      }
      if (this.verbose) console.log(`Epoch ${epoch + 1}: ${this.monitor} improved from ${from} to ${formatFixed(v, 5)}, saving model to ${path}`);
      this.best = v;
    } else if (this.verbose) {
      console.log(`Epoch ${epoch + 1}: saving model to ${path}`);
    }
    await this.save(path, epoch);
  }

  private async save(path: string, epoch: number): Promise<void> {
    const model = this.model;
    if (!model) throw new Error('wasmnn: ModelCheckpoint has no model; pass it in fit\'s callbacks');
    try {
      const { dirname } = await nodeModule<typeof import('node:path')>('path');
      const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
      // Keras creates the directory too
      await fs.mkdir(dirname(path), { recursive: true });
      await saveModel(path, { model, includeOptimizer: !this.saveWeightsOnly });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const what = message.replace(/^wasmnn: /, '');
      // adviceOf reads the cause's advice (non-finite weights: lower the learning rate) through it
      throw new Error(`wasmnn: ModelCheckpoint, epoch ${epoch + 1}: ${message.includes(path) ? what : `could not save the model to ${path}: ${what}`}`, { cause: err });
    }
  }
}
