// Messages between the page (training.ts) and its training Worker (train-worker.ts).
import type { EnvInfo } from '../runtime/runtime.js';
import type { History } from '../training/callbacks.js';
import type { TrainOptions } from '../classifier/train.js';
import type { CsvColumns } from './csv.js';

/** Labelled texts: CSV/TSV text with a header row, parallel arrays, or rows. */
export type TrainingData =
  | string
  | { texts: string[]; labels: string[] }
  | { text: string; label: string }[];

/**
 * Training settings that cross into the Worker (plain data: no callbacks, hooks or resume; the
 * start information onStart would give is job.env, progress is job.onProgress).
 */
export type WorkerTrainOptions = Omit<TrainOptions, 'callbacks' | 'resume' | 'onCheckpoint' | 'onStart' | 'signal' | 'validation'> & CsvColumns & {
  /** Threads in the Worker, its own included. Default: every hardware thread when the page is cross-origin isolated, else 1. */
  threads?: number;
  /** 'auto' (default): simd-mt when the page is cross-origin isolated, simd otherwise; with fma: true their fma builds. */
  build?: 'auto' | 'simd' | 'simd-mt' | 'simd-fma' | 'simd-fma-mt';
  /**
   * URLs of the .wasm builds, when they are not next to the library (relative ones are resolved
   * against the page's URL; the Worker fetches them).
   */
  wasm?: { simd?: string | URL; 'simd-mt'?: string | URL; 'simd-fma'?: string | URL; 'simd-fma-mt'?: string | URL };
  maxMemoryBytes?: number;
};

export interface TrainingProgress {
  /** 'batch' at most every progressIntervalMs, 'epoch' after every epoch (with validation figures). */
  kind: 'batch' | 'epoch';
  /** 0-based. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  batches: number;
  /** Fraction of the whole run done, 0..1. */
  fraction: number;
  /** Running loss/accuracy of the epoch so far (batch), or the epoch's figures (epoch). */
  logs: Record<string, number>;
  samplesPerSecond: number;
}

export interface TrainingReport {
  env: EnvInfo;
  arch: string;
  labels: string[];
  epochs: number;
  samples: { train: number; validation: number };
  history: History;
  seconds: number;
  samplesPerSecond: number;
}

export type ToWorker = { type: 'train'; data: TrainingData; options: WorkerTrainOptions; progressIntervalMs: number };

export type FromWorker =
  | { type: 'env'; env: EnvInfo }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done'; bytes: Uint8Array; report: TrainingReport }
  | { type: 'error'; name: string; message: string };
