// Training callbacks, Keras-shaped. Any hook may be async; fit awaits it.
import type { Sequential } from '../models/sequential.js';

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

export interface EarlyStoppingArgs {
  /** Default 'val_loss' ('loss' when there is no validation data). */
  monitor?: string;
  minDelta?: number;
  patience?: number;
  /** 'auto' picks max for accuracy-like metrics, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  private model: Sequential | null = null;
  private wait = 0;
  private best = NaN;
  private bestWeights: Float32Array | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    const mode = args.mode ?? 'auto';
    this.mode = mode === 'auto' ? (/acc|f1|precision|recall/.test(this.monitor) ? 'max' : 'min') : mode;
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  setModel(m: Sequential): void { this.model = m; }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.baseline ?? (this.mode === 'min' ? Infinity : -Infinity);
    this.bestWeights = null;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    let key = this.monitor;
    if (!(key in logs) && key.startsWith('val_') && key.slice(4) in logs) key = key.slice(4);
    const v = logs[key];
    if (v === undefined) {
      throw new Error(`wasmnn: EarlyStopping monitors '${this.monitor}', which the logs do not have (they have ${Object.keys(logs).join(', ')})`);
    }
    const better = this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (better) {
      this.best = v;
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.snapshotWeights();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
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
  setModel(m: Sequential): void { this.model = m; }
  onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr = this.schedule(epoch, opt.currentLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new RangeError(`wasmnn: LearningRateScheduler returned ${lr} for epoch ${epoch}; it must return a number >= 0`);
    opt.learningRate = lr;
  }
}

/** Wraps plain functions as a callback: new CallbackFunctions({ onEpochEnd: (e, logs) => ... }). */
export class CallbackFunctions implements Callback {
  constructor(fns: Callback) { Object.assign(this, fns); }
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}
