// Training callbacks, Keras-shaped. Any hook may be async; fit awaits it.
import type { Sequential } from '../models/sequential.js';
import type { Optimizer } from '../optimizers/optimizers.js';
import { checkBool, checkOptions, closestOption, describe, optionNames } from '../options.js';

export type Logs = Record<string, number>;

export interface Callback {
  setModel?(model: Sequential): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** Every hook a callback may have, in the order fit calls them (CallbackFunctions takes only these). */
const CALLBACK_HOOKS = optionNames<Callback>({
  setModel: true, onTrainBegin: true, onEpochBegin: true, onBatchBegin: true, onBatchEnd: true, onEpochEnd: true, onTrainEnd: true,
});

/**
 * Checks fit's `callbacks` option (owner: 'fit', 'trainTextClassifier', ...) and returns it as an
 * array: undefined is none; one callback object (tfjs' `callbacks: { onEpochEnd }`) is a list of
 * one; otherwise an array whose entries are objects, each hook of which is a function or undefined.
 * A callback is used only when its hook's turn comes, so without this a stray value fails
 * mid-training with "c.onEpochEnd is not a function", or is silently ignored; so is a misspelt
 * hook of a plain object ({ onEpochend }), which is refused with the nearest name.
 */
/** Each hook of `c` is a function or absent (null or undefined: the hooks are called with ?.); `where` prefixes the hook's name in the error. */
function checkHooks(c: Record<string, unknown>, where: string): void {
  for (const hook of CALLBACK_HOOKS) {
    const f = c[hook];
    if (f != null && typeof f !== 'function') throw new TypeError(`wasmnn: ${where}${hook} must be a function, got ${describe(f)}`);
  }
}

export function checkCallbacks(callbacks: unknown, owner: string): Callback[] {
  if (callbacks === undefined || callbacks === null) return [];
  // one callback rather than a list: an object with a hook (checked below; a Set or Map of callbacks is not one)
  const one = !Array.isArray(callbacks) && typeof callbacks === 'object' && CALLBACK_HOOKS.some((h) => (callbacks as Record<string, unknown>)[h] != null);
  if (!one && !Array.isArray(callbacks)) {
    throw new TypeError(`wasmnn: ${owner}: callbacks must be an array of callbacks, such as [new EarlyStopping({ ... })] or [{ onEpochEnd: (epoch, logs) => ... }], got ${describe(callbacks)}`);
  }
  const list: unknown[] = one ? [callbacks] : callbacks as unknown[];
  list.forEach((c: unknown, i) => {
    const where = Array.isArray(callbacks) ? `callbacks[${i}]` : 'callbacks';
    if (c === null || typeof c !== 'object') {
      throw new TypeError(`wasmnn: ${owner}: ${where} is ${describe(c)}, not a callback; a callback is an object with hooks such as onEpochEnd, e.g. { onEpochEnd: (epoch, logs) => ... }`);
    }
    checkHooks(c as Record<string, unknown>, `${owner}: ${where}.`);
    // a plain object's function named almost like a hook is a misspelt one (onEpochend), or tfjs'
    // onYield, which wasmnn does not call; other functions (onProgress, helpers) are its business,
    // as are a class's own methods
    const proto = Object.getPrototypeOf(c);
    if (proto === Object.prototype || proto === null) {
      for (const [k, f] of Object.entries(c)) {
        if (typeof f !== 'function' || CALLBACK_HOOKS.includes(k)) continue;
        const near = closestOption(k, CALLBACK_HOOKS);
        if (!near && k !== 'onYield') continue;
        const why = k === 'onYield' ? ' (tfjs\' yield to the event loop: fit yields after every epoch, and any hook may be async)' : `; did you mean '${near}'?`;
        throw new TypeError(`wasmnn: ${owner}: ${where} has a function '${k}', which is no hook and would never be called${why} (hooks: ${CALLBACK_HOOKS.join(', ')})`);
      }
    }
  });
  return list as Callback[];
}

/** The monitor options EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share. */
export interface MonitorArgs {
  /** Default 'val_loss' ('loss' when there is no validation data). A monitor named here must be in the logs. */
  monitor?: string;
  /** 'auto' picks max for accuracy-like metrics and AUC, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
}

/**
 * The figure a callback watches: its log key, its direction and the least change that counts as
 * an improvement, checked at construction, with the lookup in an epoch's logs. One for every
 * callback that monitors (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint), so they agree on
 * the 'val_loss' default, its fall back to 'loss' without validation data, 'auto' mode and the
 * error for a figure the logs do not have. `args` is taken with null already dropped.
 */
export class Monitor {
  /** The log key as given (or the default 'val_loss'). */
  readonly key: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  /** Whether the caller named the monitor (the default 'val_loss' falls back to 'loss' without validation data). */
  private readonly given: boolean;

  /** minDelta: the caller's value (checked here) or undefined, then `defaultMinDelta`; null for a callback without that option (0). */
  constructor(readonly owner: string, args: MonitorArgs & { minDelta?: unknown }, defaultMinDelta: number | null) {
    // each value checked here: a NaN minDelta would never record an improvement, and a
    // non-string monitor would fail only at the first epoch's end
    if (args.monitor !== undefined && (typeof args.monitor !== 'string' || args.monitor === '')) {
      throw new TypeError(`wasmnn: ${owner}: monitor must be the name of a log entry such as 'val_loss', 'loss' or 'val_accuracy', got ${describe(args.monitor)}`);
    }
    this.key = args.monitor ?? 'val_loss';
    this.given = args.monitor !== undefined;
    const minDelta = defaultMinDelta === null ? 0 : args.minDelta ?? defaultMinDelta;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) {
      throw new RangeError(`wasmnn: ${owner}: minDelta must be a finite number (the least change that counts as an improvement), got ${describe(minDelta)}`);
    }
    // Keras takes its absolute value (min_delta=-0.1 means 0.1): so does this
    this.minDelta = Math.abs(minDelta);
    const mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new RangeError(`wasmnn: ${owner}: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
    // 'auto': higher is better for the accuracies (any spelling: acc, binaryAccuracy, top-k), AUC,
    // precision, recall and F1; lower for the losses
    this.mode = mode === 'auto' ? (/acc|auc|f1|precision|recall/i.test(this.key) ? 'max' : 'min') : mode;
  }

  /** The value every real one improves on: the starting best. */
  get worst(): number { return this.mode === 'min' ? Infinity : -Infinity; }

  /** Whether v improves on reference by more than minDelta. */
  improves(v: number, reference: number): boolean {
    // Keras' own arithmetic (current -+ min_delta against the reference), so ties round alike
    return this.mode === 'min' ? v + this.minDelta < reference : v - this.minDelta > reference;
  }

  /** The monitored value in an epoch's logs; a figure they do not have is an error naming those they have. */
  valueIn(logs: Logs): number {
    let key = this.key;
    if (!(key in logs) && !this.given && key.startsWith('val_') && key.slice(4) in logs) key = key.slice(4);
    const v = logs[key];
    if (v === undefined) {
      const fix = key.startsWith('val_')
        ? 'pass validationData or validationSplit to fit, or monitor a training figure'
        : `add it to compile's metrics, or monitor one of those`;
      const have = Object.keys(logs);
      throw new Error(`wasmnn: ${this.owner} monitors '${this.key}', which the epoch's logs do not have (they have ${have.length ? have.join(', ') : 'none'}); ${fix}`);
    }
    return v;
  }
}

/** verbose of a callback: 0 / false silent, 1 / true a line when it acts (Keras' 0 and 1). */
export function checkCallbackVerbose(owner: string, v: unknown): 0 | 1 {
  const given = v ?? 0;
  if (given !== 0 && given !== 1 && typeof given !== 'boolean') {
    throw new RangeError(`wasmnn: ${owner}: verbose must be 0 (silent) or 1 (a line each time it acts), got ${describe(v)}`);
  }
  return given === 1 || given === true ? 1 : 0;
}

/** args with its null values dropped: null counts as not given, as Keras' None. */
export function givenOnly<T extends object>(args: T | null | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(args ?? {}).filter(([, v]) => v !== null)) as Partial<T>;
}

export interface EarlyStoppingArgs extends MonitorArgs {
  minDelta?: number;
  patience?: number;
  baseline?: number;
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_OPTIONS = optionNames<EarlyStoppingArgs>({ monitor: true, minDelta: true, patience: true, mode: true, baseline: true, restoreBestWeights: true });

/** Stops training when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  get monitor(): string { return this.watch.key; }
  get minDelta(): number { return this.watch.minDelta; }
  get mode(): 'min' | 'max' { return this.watch.mode; }
  readonly patience: number;
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  private model: Sequential | null = null;
  private readonly watch: Monitor;
  private wait = 0;
  private best = NaN;
  private bestWeights: Float32Array | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    checkOptions('EarlyStopping', args, EARLY_STOPPING_OPTIONS);
    // each value checked here: a NaN patience would never stop, and a NaN minDelta never record
    // a best epoch (so restoreBestWeights would silently restore nothing)
    args = givenOnly(args);
    this.watch = new Monitor('EarlyStopping', args, 0);
    const patience = args.patience ?? 0;
    // Infinity: never stop, only track the best epoch (for restoreBestWeights)
    if (typeof patience !== 'number' || !(Number.isInteger(patience) || patience === Infinity) || patience < 0) {
      throw new RangeError(`wasmnn: EarlyStopping: patience must be a whole number >= 0 or Infinity (epochs without improvement before stopping), got ${describe(patience)}`);
    }
    this.patience = patience;
    if (args.baseline !== undefined && (typeof args.baseline !== 'number' || !Number.isFinite(args.baseline))) {
      throw new RangeError(`wasmnn: EarlyStopping: baseline must be a finite number (the value the monitor must beat) or left out, got ${describe(args.baseline)}`);
    }
    this.baseline = args.baseline;
    this.restoreBestWeights = checkBool('EarlyStopping', 'restoreBestWeights', args.restoreBestWeights, false);
  }

  setModel(m: Sequential): void { this.model = m; }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.watch.worst;
    this.bestWeights = null;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
  }

  // As Keras 3 (and tfjs): training stops once `patience` epochs in a row brought no improvement
  // (at least one, so patience 0 and 1 both stop at the first epoch without one). The best epoch
  // is tracked, and its weights kept for restoreBestWeights, whether or not it beats the
  // baseline; only an epoch that beats the baseline too resets the wait.
  onEpochEnd(epoch: number, logs: Logs): void {
    const v = this.watch.valueIn(logs);
    this.wait++;
    if (this.watch.improves(v, this.best)) {
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.snapshotWeights();
      if (this.baseline === undefined || this.watch.improves(v, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model) this.model.restoreWeights(this.bestWeights);
  }
}

/**
 * The model's optimizer, whose learning rate a callback sets: a number, not a schedule (Keras
 * refuses one too: the callback would silently replace the schedule by a constant).
 */
function constantRateOptimizer(owner: string, m: Sequential | null): Optimizer {
  const opt = m?.optimizer;
  if (!opt) throw new Error(`wasmnn: ${owner} sets the optimizer's learning rate, and the model has no optimizer yet; call model.compile first`);
  if (typeof opt.learningRate !== 'number') {
    throw new TypeError(`wasmnn: ${owner}: the optimizer's learning rate is a schedule (${opt.learningRate.config.name}), which this callback would replace by constants; ` +
      'use one or the other: a number as the optimizer\'s learningRate with this callback, or the schedule alone');
  }
  return opt;
}

/** Sets the optimizer's learning rate at each epoch's start: schedule(epoch, currentLr). */
export class LearningRateScheduler implements Callback {
  private model: Sequential | null = null;
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    if (typeof schedule !== 'function') throw new TypeError('wasmnn: LearningRateScheduler needs a function (epoch, lr) => lr');
  }
  setModel(m: Sequential): void {
    if (m.optimizer) constantRateOptimizer('LearningRateScheduler', m);
    this.model = m;
  }
  onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr = this.schedule(epoch, opt.currentLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new RangeError(`wasmnn: LearningRateScheduler returned ${lr} for epoch ${epoch}; it must return a number >= 0`);
    opt.learningRate = lr;
  }
  /** The epoch's learning rate in its logs (and so in the History), as Keras' `learning_rate`. */
  onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = this.model!.optimizer!.currentLearningRate();
  }
}

export interface ReduceLROnPlateauArgs extends MonitorArgs {
  /** The learning rate is multiplied by this, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is lowered. Default 10. */
  patience?: number;
  /** The least change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which no epoch counts towards patience. Default 0. */
  cooldown?: number;
  /** The rate is never lowered below this. Default 0. */
  minLr?: number;
  /** 1: a line each time the rate is lowered. Default 0. */
  verbose?: 0 | 1 | boolean;
}

const REDUCE_LR_OPTIONS = optionNames<ReduceLROnPlateauArgs>({
  monitor: true, factor: true, patience: true, mode: true, minDelta: true, cooldown: true, minLr: true, verbose: true,
});

/**
 * Lowers the optimizer's learning rate when the monitored value stops improving: at an epoch's
 * end, once `patience` epochs in a row (not counting those in cooldown) brought no improvement by
 * more than minDelta, the rate becomes max(rate * factor, minLr), unless it is at minLr already.
 * Keras 3's rules, its cooldown included: after a reduction the next `cooldown` epochs' ends
 * reset the wait, the last of them counting towards patience again (so cooldown 1 changes
 * nothing). Each epoch's logs (and so the History) get `learning_rate`, the rate that epoch
 * trained with. The rate set stays the optimizer's after fit, as in Keras. The optimizer's
 * learningRate must be a number, not a schedule.
 */
export class ReduceLROnPlateau implements Callback {
  get monitor(): string { return this.watch.key; }
  get mode(): 'min' | 'max' { return this.watch.mode; }
  get minDelta(): number { return this.watch.minDelta; }
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: 0 | 1;
  private readonly watch: Monitor;
  private model: Sequential | null = null;
  private wait = 0;
  private cooldownLeft = 0;
  private best: number;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    checkOptions('ReduceLROnPlateau', args, REDUCE_LR_OPTIONS);
    args = givenOnly(args);
    this.watch = new Monitor('ReduceLROnPlateau', args, 1e-4);
    const factor = args.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
      throw new RangeError(`wasmnn: ReduceLROnPlateau: factor must be a number in (0, 1) (the learning rate is multiplied by it), got ${describe(factor)}`);
    }
    this.factor = factor;
    const epochs = (name: string, v: unknown, why: string): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`wasmnn: ReduceLROnPlateau: ${name} must be a whole number >= 0 (${why}), got ${describe(v)}`);
      return v;
    };
    this.patience = epochs('patience', args.patience ?? 10, 'epochs without improvement before the learning rate is lowered');
    this.cooldown = epochs('cooldown', args.cooldown ?? 0, 'epochs to wait after a reduction');
    const minLr = args.minLr ?? 0;
    if (typeof minLr !== 'number' || !Number.isFinite(minLr) || minLr < 0) {
      throw new RangeError(`wasmnn: ReduceLROnPlateau: minLr must be a finite number >= 0 (the least learning rate), got ${describe(minLr)}`);
    }
    this.minLr = minLr;
    this.verbose = checkCallbackVerbose('ReduceLROnPlateau', args.verbose);
    this.best = this.watch.worst;
  }

  setModel(m: Sequential): void {
    if (m.optimizer) constantRateOptimizer('ReduceLROnPlateau', m);
    this.model = m;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.cooldownLeft = 0;
    this.best = this.watch.worst;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = constantRateOptimizer('ReduceLROnPlateau', this.model);
    const lr = opt.learningRate as number;
    logs.learning_rate = lr;
    const v = this.watch.valueIn(logs);
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (this.watch.improves(v, this.best)) {
      this.best = v;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait++;
    if (this.wait < this.patience || !(lr > this.minLr)) return;
    const next = Math.max(lr * this.factor, this.minLr);
    opt.learningRate = next;
    this.cooldownLeft = this.cooldown;
    this.wait = 0;
    if (this.verbose) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.`);
  }
}

/**
 * Wraps plain functions as a callback: new CallbackFunctions({ onEpochEnd: (e, logs) => ... }).
 * Only the hook names are taken, each a function: a misspelt hook (onEpochend) would otherwise
 * never be called, silently.
 */
export class CallbackFunctions implements Callback {
  constructor(fns: Callback | null = {}) {
    fns ??= {};
    checkOptions('CallbackFunctions', fns, CALLBACK_HOOKS);
    checkHooks(fns as Record<string, unknown>, 'CallbackFunctions: ');
    Object.assign(this, fns);
  }
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}
