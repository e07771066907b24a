// Training callbacks, Keras-shaped. Any hook may be async; fit awaits it.
import type { Sequential } from '../models/sequential.js';
import { checkOptions, closestOption, describe, optionNames } from '../options.js';

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
export function checkCallbacks(callbacks: unknown, owner: string): Callback[] {
  if (callbacks === undefined || callbacks === null) return [];
  // one callback rather than a list: an object with a hook (checked below; a Set or Map of callbacks is not one)
  const one = !Array.isArray(callbacks) && typeof callbacks === 'object' && CALLBACK_HOOKS.some((h) => (callbacks as Record<string, unknown>)[h] != null);
  const list: unknown[] = one ? [callbacks] : Array.isArray(callbacks) ? callbacks : [];
  if (!one && !Array.isArray(callbacks)) {
    throw new TypeError(`wasmnn: ${owner}: callbacks must be an array of callbacks, such as [new EarlyStopping({ ... })] or [{ onEpochEnd: (epoch, logs) => ... }], got ${describe(callbacks)}`);
  }
  list.forEach((c: unknown, i) => {
    const where = Array.isArray(callbacks) ? `callbacks[${i}]` : 'callbacks';
    if (c === null || typeof c !== 'object') {
      throw new TypeError(`wasmnn: ${owner}: ${where} is ${describe(c)}, not a callback; a callback is an object with hooks such as onEpochEnd, e.g. { onEpochEnd: (epoch, logs) => ... }`);
    }
    for (const hook of CALLBACK_HOOKS) {
      const f = (c as Record<string, unknown>)[hook];
      // null or undefined: no hook (the hooks are called with ?.)
      if (f != null && typeof f !== 'function') throw new TypeError(`wasmnn: ${owner}: ${where}.${hook} must be a function, got ${describe(f)}`);
    }
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

export interface EarlyStoppingArgs {
  /** Default 'val_loss' ('loss' when there is no validation data). A monitor named here must be in the logs. */
  monitor?: string;
  minDelta?: number;
  patience?: number;
  /** 'auto' picks max for accuracy-like metrics, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_OPTIONS = optionNames<EarlyStoppingArgs>({ monitor: true, minDelta: true, patience: true, mode: true, baseline: true, restoreBestWeights: true });

/** Stops training when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  private model: Sequential | null = null;
  /** Whether the caller named the monitor (the default 'val_loss' falls back to 'loss' without validation data). */
  private readonly monitorGiven: boolean;
  private wait = 0;
  private best = NaN;
  private bestWeights: Float32Array | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    checkOptions('EarlyStopping', args, EARLY_STOPPING_OPTIONS);
    // each value checked here: a NaN patience or minDelta would never stop or never record a best
    // epoch (so restoreBestWeights would silently restore nothing), and a non-string monitor
    // would fail only at the first epoch's end
    // null counts as not given, as Keras' None
    args = Object.fromEntries(Object.entries(args ?? {}).filter(([, v]) => v !== null));
    if (args.monitor !== undefined && (typeof args.monitor !== 'string' || args.monitor === '')) {
      throw new TypeError(`wasmnn: EarlyStopping: monitor must be the name of a log entry such as 'val_loss', 'loss' or 'val_accuracy', got ${describe(args.monitor)}`);
    }
    this.monitor = args.monitor ?? 'val_loss';
    this.monitorGiven = args.monitor !== undefined;
    const minDelta = args.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) {
      throw new RangeError(`wasmnn: EarlyStopping: minDelta must be a finite number (the least change that counts as an improvement), got ${describe(minDelta)}`);
    }
    // Keras takes its absolute value (min_delta=-0.1 means 0.1): so does this
    this.minDelta = Math.abs(minDelta);
    const patience = args.patience ?? 0;
    // Infinity: never stop, only track the best epoch (for restoreBestWeights)
    if (typeof patience !== 'number' || !(Number.isInteger(patience) || patience === Infinity) || patience < 0) {
      throw new RangeError(`wasmnn: EarlyStopping: patience must be a whole number >= 0 or Infinity (epochs without improvement before stopping), got ${describe(patience)}`);
    }
    this.patience = patience;
    const mode = args.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new RangeError(`wasmnn: EarlyStopping: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
    this.mode = mode === 'auto' ? (/acc|f1|precision|recall/.test(this.monitor) ? 'max' : 'min') : mode;
    if (args.baseline !== undefined && (typeof args.baseline !== 'number' || !Number.isFinite(args.baseline))) {
      throw new RangeError(`wasmnn: EarlyStopping: baseline must be a finite number (the value the monitor must beat) or left out, got ${describe(args.baseline)}`);
    }
    this.baseline = args.baseline;
    if (args.restoreBestWeights !== undefined && typeof args.restoreBestWeights !== 'boolean') {
      throw new TypeError(`wasmnn: EarlyStopping: restoreBestWeights must be true or false, got ${describe(args.restoreBestWeights)}`);
    }
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  setModel(m: Sequential): void { this.model = m; }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestWeights = null;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
  }

  private improves(v: number, reference: number): boolean {
    // Keras' own arithmetic (current -+ min_delta against the reference), so ties round alike
    return this.mode === 'min' ? v + this.minDelta < reference : v - this.minDelta > reference;
  }

  // As Keras 3 (and tfjs): training stops once `patience` epochs in a row brought no improvement
  // (at least one, so patience 0 and 1 both stop at the first epoch without one). The best epoch
  // is tracked, and its weights kept for restoreBestWeights, whether or not it beats the
  // baseline; only an epoch that beats the baseline too resets the wait.
  onEpochEnd(epoch: number, logs: Logs): void {
    let key = this.monitor;
    if (!(key in logs) && !this.monitorGiven && key.startsWith('val_') && key.slice(4) in logs) key = key.slice(4);
    const v = logs[key];
    if (v === undefined) {
      const fix = key.startsWith('val_')
        ? 'pass validationData or validationSplit to fit, or monitor a training figure'
        : `add it to compile's metrics, or monitor one of those`;
      throw new Error(`wasmnn: EarlyStopping monitors '${this.monitor}', which the epoch's logs do not have (they have ${Object.keys(logs).join(', ')}); ${fix}`);
    }
    this.wait++;
    if (this.improves(v, this.best)) {
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.snapshotWeights();
      if (this.baseline === undefined || this.improves(v, this.baseline)) this.wait = 0;
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

/** Sets the optimizer's learning rate at each epoch's start: schedule(epoch, currentLr). */
export class LearningRateScheduler implements Callback {
  private model: Sequential | null = null;
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    if (typeof schedule !== 'function') throw new TypeError('wasmnn: LearningRateScheduler needs a function (epoch, lr) => lr');
  }
  setModel(m: Sequential): void {
    // Keras refuses it too: the callback would silently replace the schedule by a constant
    if (m.optimizer && typeof m.optimizer.learningRate !== 'number') {
      throw new TypeError(`wasmnn: LearningRateScheduler: the optimizer's learning rate is a schedule (${m.optimizer.learningRate.config.name}), which this callback would replace by constants; ` +
        'use one or the other: a number as the optimizer\'s learningRate with this callback, or the schedule alone');
    }
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

/**
 * Wraps plain functions as a callback: new CallbackFunctions({ onEpochEnd: (e, logs) => ... }).
 * Only the hook names are taken, each a function: a misspelt hook (onEpochend) would otherwise
 * never be called, silently.
 */
export class CallbackFunctions implements Callback {
  constructor(fns: Callback | null = {}) {
    fns ??= {};
    checkOptions('CallbackFunctions', fns, CALLBACK_HOOKS);
    for (const [hook, f] of Object.entries(fns)) {
      if (f != null && typeof f !== 'function') throw new TypeError(`wasmnn: CallbackFunctions: ${hook} must be a function, got ${describe(f)}`);
    }
    Object.assign(this, fns);
  }
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}
