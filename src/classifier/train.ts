// trainTextClassifier: strings and string labels in, a TextClassifier out. Builds the vectorizer
// and model of an architecture (src/classifier/architectures.ts), holds out a seeded stratified
// validation set, trains one epoch per fit() call (each epoch's shuffle then depends only on the
// seed and the epoch number), and offers a checkpoint after every epoch from which a resumed run
// ends with the same weights, bit for bit, as an uninterrupted one.
import { Sequential } from '../models/sequential.js';
import { Adam } from '../optimizers/optimizers.js';
import { TextVectorizer } from '../text/vectorizer.js';
import { checkKeys, checkOptionsObject } from '../text/check.js';
import { describe } from '../options.js';
import { compareCodePoints } from '../text/vocabulary.js';
import { Random, checkSeed, deriveSeed } from '../random.js';
import { hasRuntime, init, runtime } from '../runtime/default.js';
import { checkCallbacks, type Callback, type History, type Logs } from '../training/callbacks.js';
import { ARCHITECTURES, DEFAULT_ARCH, isArchName, ARCH_NAMES, type ArchName, type ArchSettings } from './architectures.js';
import { TextClassifier } from './text_classifier.js';

export interface TrainOptions extends Partial<ArchSettings> {
  /** Default DEFAULT_ARCH ('bag'). */
  arch?: ArchName;
  /** Seeds the weights, the validation split, shuffling and dropout. Default 42. */
  seed?: number;
  /** Fraction of every class held out for validation (seeded, stratified). Default 0: none. */
  valSplit?: number;
  /** An explicit validation set (instead of valSplit). */
  validation?: { texts: string[]; labels: string[] };
  /** Label names in class order; default: the labels found, sorted (numerically if all are numbers). */
  labelOrder?: string[];
  /** Keras-shaped callbacks (onTrainBegin/onTrainEnd fire once per call, the others per epoch/batch). */
  callbacks?: Callback[] | Callback;
  /**
   * A checkpoint (TextClassifier.fromBytes of the bytes an onCheckpoint gave) to continue from, on
   * the same data, with its settings: only `epochs` may change; another value of a setting it keeps
   * (arch, learningRate, seed, valSplit, batchSize, ...) throws a ResumeSettingsError.
   */
  resume?: TextClassifier;
  /** Called before training (epochsDone 0) and after every epoch with a checkpoint of that moment. */
  onCheckpoint?: (c: Checkpoint) => void | Promise<void>;
  /** Called once the data is split and the model is ready, before the first epoch. */
  onStart?: (info: StartInfo) => void | Promise<void>;
  /** Aborting it stops training at the next batch with a TrainingInterrupted error. */
  signal?: AbortSignal;
  /**
   * Train on the opt-in fused multiply-add build (relaxed SIMD; see init's `build`): the default
   * runtime is started on 'simd-fma-mt' (or 'simd-fma' where threads cannot run) if it is not
   * running yet; if it runs a default build, an error. Faster on most CPUs; results are not the
   * default builds' bits and may differ between machines. Default false.
   */
  fma?: boolean;
}

export interface StartInfo {
  arch: ArchName;
  settings: ArchSettings;
  seed: number;
  /** The first epoch this run trains (0 unless resumed). */
  startEpoch: number;
  trainSamples: number;
  validationSamples: number;
  labels: string[];
  classifier: TextClassifier;
}

export interface Checkpoint {
  /** Epochs completed. */
  epochsDone: number;
  /** Epochs this run trains for. */
  epochs: number;
  history: History;
  /** The .wnn bytes (weights, optimizer state, vectorizer, labels, training state). */
  bytes(): Uint8Array;
}

/** Thrown when options.signal aborts training; `checkpoint` is the last completed epoch's. */
export class TrainingInterrupted extends Error {
  override readonly name = 'TrainingInterrupted';
  constructor(readonly checkpoint: Checkpoint, readonly epoch: number) {
    super(`wasmnn: training was interrupted during epoch ${epoch + 1}; the checkpoint after epoch ${checkpoint.epochsDone} holds the state to resume from`);
  }
}

/**
 * A validation split that holds out no sample: every class keeps at least one sample for
 * training, so a class of one sample gives none, and a small fraction of a small class rounds to
 * none. `smallestSplit` is the least split that holds one out, or null when no split can (every
 * class has a single sample). The CLI words the same facts for its --val-split (describe()).
 */
export class ValidationSplitError extends RangeError {
  override readonly name = 'ValidationSplitError';
  readonly samples: number;
  /** Samples of the largest class. */
  readonly largestClass: number;
  readonly smallestSplit: number | null;
  constructor(readonly valSplit: number, y: Int32Array, classes: number) {
    const counts = new Array<number>(classes).fill(0);
    for (const c of y) counts[c]++;
    const largest = Math.max(...counts);
    // round(n * s) >= 1 from s = 0.5 / n (rounded up to hundredths); a class of one keeps its sample
    const smallest = largest >= 2 ? Math.ceil((0.5 / largest) * 100) / 100 : null;
    super(ValidationSplitError.describe({ valSplit, samples: y.length, largestClass: largest, smallestSplit: smallest },
      `valSplit ${valSplit}`, 'raise valSplit to', 'set valSplit to 0'));
    this.samples = y.length;
    this.largestClass = largest;
    this.smallestSplit = smallest;
  }

  /** The message: `subject` names the setting ("valSplit 0.9"), `raise` and `off` say how to
   *  give a larger one ("raise valSplit to") and how to train without validation. */
  static describe(e: { valSplit: number; samples: number; largestClass: number; smallestSplit: number | null }, subject: string, raise: string, off: string): string {
    const what = `wasmnn: ${subject} holds out none of the ${e.samples} samples for validation`;
    return e.smallestSplit === null
      ? `${what}: every class has a single sample, and training needs it; ${off} (no validation) or add labelled texts`
      : `${what}: ${e.valSplit} of the largest class (${e.largestClass} samples) rounds to none; ${raise} ${e.smallestSplit} or more, or ${off} (no validation)`;
  }
}

/** What a checkpoint's `training` metadata holds, besides the caller's fields. */
export interface TrainingState {
  kind: 'checkpoint' | 'model';
  arch: ArchName;
  settings: ArchSettings;
  seed: number;
  valSplit: number;
  epochsDone: number;
  trainSteps: number;
  history: History;
  /** FNV-1a of the training texts and labels: resuming on other data is refused. */
  dataHash: string;
  samples: { train: number; validation: number };
}

export interface TrainResult {
  classifier: TextClassifier;
  history: History;
  state: TrainingState;
  /** The validation texts and labels used (null without validation). */
  validation: { texts: string[]; labels: string[] } | null;
}

const INT_SETTINGS = ['epochs', 'batchSize', 'maxLen', 'vocabSize', 'embeddingDim', 'units', 'buckets'] as const;

/** Every option of trainTextClassifier (an unknown one, such as `epoch`, is an error). */
const TRAIN_OPTION_NAMES = [
  'arch', ...INT_SETTINGS, 'learningRate', 'seed', 'valSplit', 'validation', 'labelOrder', 'callbacks', 'resume',
  'onCheckpoint', 'onStart', 'signal', 'fma',
] as const satisfies readonly (keyof TrainOptions)[];
/** Compile-time check that the list names every option of TrainOptions. */
type Unlisted = Exclude<keyof TrainOptions, (typeof TRAIN_OPTION_NAMES)[number]>;
const everyTrainOptionListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** Trains a text classifier on texts and their labels (strings); see TrainOptions. */
export async function trainTextClassifier(texts: string[], labels: string[], options: TrainOptions = {}): Promise<TrainResult> {
  checkKeys('trainTextClassifier', checkOptionsObject('trainTextClassifier', options), TRAIN_OPTION_NAMES);
  checkData(texts, labels, 'training');
  // checked before any work: each is first used epochs in, or (a signal that is not one) never
  const callbacks = checkCallbacks(options.callbacks, 'trainTextClassifier');
  for (const k of ['onCheckpoint', 'onStart'] as const) {
    if (options[k] != null && typeof options[k] !== 'function') throw new TypeError(`wasmnn: trainTextClassifier: ${k} must be a function, got ${describe(options[k])}`);
  }
  const signal: unknown = options.signal;
  if (signal != null && !(typeof signal === 'object' && typeof (signal as AbortSignal).aborted === 'boolean' && typeof (signal as AbortSignal).addEventListener === 'function')) {
    throw new TypeError(`wasmnn: trainTextClassifier: signal must be an AbortSignal (new AbortController().signal), got ${describe(signal)}`);
  }
  const resumed = options.resume ? resumeState(options.resume) : null;
  if (resumed) checkResumeOptions(resumed, options);
  const arch = resumed?.arch ?? options.arch ?? DEFAULT_ARCH;
  if (!isArchName(arch)) throw new RangeError(`wasmnn: unknown architecture '${String(arch)}'; choose one of ${ARCH_NAMES.join(', ')}`);
  const spec = ARCHITECTURES[arch];
  const settings: ArchSettings = resumed ? { ...resumed.settings, epochs: options.epochs ?? resumed.settings.epochs } : settingsFrom(spec.defaults, options);
  const seed = resumed?.seed ?? checkSeed('', options.seed) ?? 42;
  const valSplit = resumed?.valSplit ?? options.valSplit ?? 0;
  if (!(typeof valSplit === 'number' && valSplit >= 0 && valSplit < 1)) throw new RangeError(`wasmnn: valSplit must be a fraction in [0, 1), got ${valSplit}`);

  const labelNames = options.resume?.labels ?? labelOrder(labels, options.labelOrder);
  const classOf = new Map(labelNames.map((l, i) => [l, i]));
  const y = Int32Array.from(labels, (l) => {
    const c = classOf.get(l);
    if (c === undefined) throw new RangeError(`wasmnn: label '${l}' is not one of the model's labels (${labelNames.join(', ')})`);
    return c;
  });
  if (new Set(y).size < 2) throw new RangeError(`wasmnn: every training sample has the label '${labels[0]}'; a classifier needs at least two classes`);
  const dataHash = hashData(texts, labels);
  if (resumed && resumed.dataHash !== dataHash) {
    throw new Error('wasmnn: the checkpoint was made on different training data (its fingerprint differs); resume with the same data file and columns, or start afresh without --resume');
  }

  // validation: an explicit set, or a seeded stratified share of every class
  let trainIdx: Int32Array, valTexts: string[] | null = null, valY: Int32Array | null = null;
  if (options.validation) {
    checkData(options.validation.texts, options.validation.labels, 'validation');
    trainIdx = Int32Array.from(texts, (_, i) => i);
    valTexts = options.validation.texts;
    valY = Int32Array.from(options.validation.labels, (l) => {
      const c = classOf.get(l);
      if (c === undefined) throw new RangeError(`wasmnn: the validation label '${l}' does not occur in the training data (labels: ${labelNames.join(', ')})`);
      return c;
    });
  } else if (valSplit > 0) {
    const [tr, va] = stratifiedSplit(y, labelNames.length, valSplit, deriveSeed(seed, 'validation'));
    if (va.length === 0) throw new ValidationSplitError(valSplit, y, labelNames.length);
    trainIdx = tr;
    valTexts = Array.from(va, (i) => texts[i]);
    valY = Int32Array.from(va, (i) => y[i]);
  } else {
    trainIdx = Int32Array.from(texts, (_, i) => i);
  }
  const trainTexts = Array.from(trainIdx, (i) => texts[i]);
  const trainY = Int32Array.from(trainIdx, (i) => y[i]);

  // only what was asked for: an init() of the caller's still starting must not be contradicted
  if (!hasRuntime()) await init(options.fma === true ? { fma: true } : {});
  else if (options.fma && !runtime().build.startsWith('simd-fma')) {
    throw new Error(`wasmnn: fma: true needs the default runtime on an fma build but it runs '${runtime().build}'; call shutdown() first, or init({ build: 'simd-fma-mt' }) before training`);
  }
  let classifier: TextClassifier;
  if (options.resume) {
    classifier = options.resume;
    if (!classifier.model.optimizer) throw new Error('wasmnn: the checkpoint has no optimizer state, so training cannot resume from it; start afresh without --resume');
    classifier.model.trainSteps = resumed!.trainSteps;
  } else {
    const vectorizer = new TextVectorizer(spec.vectorizer(settings)).adapt(trainTexts);
    const model = new Sequential(spec.layers(settings, vectorizer.vocabularySize, labelNames.length), { seed, name: `text_${arch}` });
    model.compile({ optimizer: new Adam({ learningRate: settings.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    model.build([settings.maxLen]);
    classifier = new TextClassifier(model, vectorizer, labelNames);
  }
  const { model, vectorizer } = classifier;
  const x = vectorizer.transform(trainTexts);
  const validationData = valTexts ? [vectorizer.transform(valTexts), valY!] as [ReturnType<TextVectorizer['transform']>, Int32Array] : undefined;

  const history: History = resumed ? cloneHistory(resumed.history) : { epoch: [], history: {} };
  const state = (epochsDone: number, kind: TrainingState['kind']): TrainingState => ({
    kind, arch, settings, seed, valSplit, epochsDone, trainSteps: model.trainSteps, history: cloneHistory(history), dataHash,
    samples: { train: trainTexts.length, validation: valTexts?.length ?? 0 },
  });
  // a checkpoint's bytes are encoded at once (the weights move on); only when someone wants them
  const wantsCheckpoints = !!(options.onCheckpoint || options.signal);
  const checkpointAt = (epochsDone: number): Checkpoint => {
    const s = state(epochsDone, 'checkpoint');
    const bytes = wantsCheckpoints ? classifier.toBytes({ includeOptimizer: true, training: s as unknown as Record<string, unknown> }) : null;
    return {
      epochsDone, epochs: settings.epochs, history: s.history,
      bytes: () => { if (!bytes) throw new Error('wasmnn: checkpoints are kept only when onCheckpoint or signal is given'); return bytes; },
    };
  };

  const startEpoch = resumed?.epochsDone ?? 0;
  for (const c of callbacks) c.setModel?.(model);
  let last = checkpointAt(startEpoch);
  await options.onStart?.({ arch, settings, seed, startEpoch, trainSamples: trainTexts.length, validationSamples: valTexts?.length ?? 0, labels: labelNames, classifier });
  if (!resumed) await options.onCheckpoint?.(last);
  for (const c of callbacks) await c.onTrainBegin?.({});
  const perEpoch: Callback[] = callbacks.map((c) => ({
    onEpochBegin: c.onEpochBegin?.bind(c), onEpochEnd: c.onEpochEnd?.bind(c),
    onBatchBegin: c.onBatchBegin?.bind(c), onBatchEnd: c.onBatchEnd?.bind(c),
  }));
  let current = startEpoch;
  if (options.signal) perEpoch.unshift(interruptCheck(options.signal, () => { throw new TrainingInterrupted(last, current); }));
  for (let epoch = startEpoch; epoch < settings.epochs; epoch++) {
    current = epoch;
    if (options.signal?.aborted) throw new TrainingInterrupted(last, epoch);
    const h = await model.fit(x, trainY, { epochs: epoch + 1, initialEpoch: epoch, batchSize: settings.batchSize, seed, validationData, callbacks: perEpoch });
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(h.history)) (history.history[k] ??= []).push(v[0]);
    last = checkpointAt(epoch + 1);
    await options.onCheckpoint?.(last);
    if (model.stopTraining) break;
  }
  for (const c of callbacks) await c.onTrainEnd?.({});
  const final = state(history.epoch.length ? history.epoch[history.epoch.length - 1] + 1 : startEpoch, 'model');
  classifier.training = { ...final };
  const validation = valTexts ? { texts: valTexts, labels: Array.from(valY!, (c) => labelNames[c]) } : null;
  return { classifier, history, state: final, validation };
}

/** The training state stored in a checkpoint's metadata (checked). */
export function resumeState(c: TextClassifier): TrainingState {
  const t = c.training as Partial<TrainingState> | null;
  if (!t || t.kind !== 'checkpoint' || !isArchName(t.arch) || !t.settings || typeof t.epochsDone !== 'number' || !t.history || typeof t.dataHash !== 'string') {
    throw new Error('wasmnn: this file is not a training checkpoint (it has no training state); pass a checkpoint written during training, or start afresh without --resume');
  }
  return t as TrainingState;
}

/** The settings a resumed run takes from its checkpoint (all but epochs): one asked for must match. */
const RESUME_KEPT = ['arch', ...INT_SETTINGS.filter((k) => k !== 'epochs'), 'learningRate', 'seed', 'valSplit'] as const;
export type ResumeKept = (typeof RESUME_KEPT)[number];

/**
 * A resumed run continues with the checkpoint's settings (only `epochs` may change): an option
 * asking for another value is refused, never ignored (training on would not do what was asked).
 */
function checkResumeOptions(resumed: TrainingState, o: TrainOptions): void {
  const had: Record<ResumeKept, unknown> = { ...resumed.settings, arch: resumed.arch, seed: resumed.seed, valSplit: resumed.valSplit };
  for (const k of RESUME_KEPT) {
    const v = o[k];
    if (v !== undefined && v !== null && v !== had[k]) throw new ResumeSettingsError(k, had[k], v);
  }
}

/** A resumed run was asked for a setting other than its checkpoint's. */
export class ResumeSettingsError extends RangeError {
  override readonly name = 'ResumeSettingsError';
  constructor(readonly setting: ResumeKept, readonly checkpointValue: unknown, readonly asked: unknown) {
    super(ResumeSettingsError.describe({ checkpointValue, asked }, setting, `leave ${setting} out`, 'start afresh without resume'));
  }

  /** The message: `subject` names the setting ("learningRate"), `leave` says how to take the
   *  checkpoint's value and `fresh` how to train with the asked one instead. */
  static describe(e: { checkpointValue: unknown; asked: unknown }, subject: string, leave: string, fresh: string): string {
    const show = (v: unknown) => JSON.stringify(v) ?? String(v);
    return `wasmnn: the checkpoint was trained with ${subject} ${show(e.checkpointValue)} and this run asks for ${show(e.asked)}; ` +
      `a resumed run keeps the checkpoint's settings (only the epochs may change): ${leave} to resume, or ${fresh} to train with ${show(e.asked)}`;
  }
}

function settingsFrom(defaults: ArchSettings, o: TrainOptions): ArchSettings {
  const s = { ...defaults };
  for (const k of INT_SETTINGS) {
    const v = o[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < (k === 'epochs' ? 0 : 1)) throw new RangeError(`wasmnn: ${k} must be a whole number >= ${k === 'epochs' ? 0 : 1}, got ${v}`);
    s[k] = v;
  }
  if (o.vocabSize !== undefined && o.vocabSize < 2) throw new RangeError(`wasmnn: vocabSize counts the padding and out-of-vocabulary ids, so it must be >= 2, got ${o.vocabSize}`);
  if (o.learningRate !== undefined) {
    if (!(typeof o.learningRate === 'number' && o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new RangeError(`wasmnn: learningRate must be a positive number, got ${o.learningRate}`);
    s.learningRate = o.learningRate;
  }
  return s;
}

function checkData(texts: unknown, labels: unknown, what: string): void {
  if (!Array.isArray(texts) || !Array.isArray(labels)) throw new TypeError(`wasmnn: the ${what} texts and labels must be arrays of strings`);
  if (texts.length === 0) throw new RangeError(`wasmnn: the ${what} data is empty; it needs labelled texts`);
  if (texts.length !== labels.length) throw new RangeError(`wasmnn: ${texts.length} ${what} texts but ${labels.length} labels; they must match one to one`);
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') throw new TypeError(`wasmnn: ${what} text ${i} is not a string`);
    if (typeof labels[i] !== 'string') throw new TypeError(`wasmnn: ${what} label ${i} is not a string (labels are names; use String(label))`);
  }
}

/** Distinct labels in a deterministic order: numeric if all look like numbers, else by code point. */
export function labelOrder(labels: readonly string[], given?: string[]): string[] {
  const found = [...new Set(labels)];
  if (given) {
    const missing = found.filter((l) => !given.includes(l));
    if (missing.length) throw new RangeError(`wasmnn: labelOrder lacks the labels ${missing.join(', ')}`);
    return [...given];
  }
  const numeric = found.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return numeric ? found.sort((a, b) => Number(a) - Number(b) || compareCodePoints(a, b)) : found.sort(compareCodePoints);
}

/** Indices of every class shuffled (seeded); the first round(n_c * fraction) of each are held out. */
function stratifiedSplit(y: Int32Array, classes: number, fraction: number, seed: number): [Int32Array, Int32Array] {
  const rng = new Random(seed);
  const train: number[] = [], val: number[] = [];
  for (let c = 0; c < classes; c++) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) idx.push(i);
    rng.shuffle(idx);
    const nVal = Math.min(Math.round(idx.length * fraction), idx.length - 1);
    val.push(...idx.slice(0, Math.max(nVal, 0)));
    train.push(...idx.slice(Math.max(nVal, 0)));
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return [Int32Array.from(train), Int32Array.from(val)];
}

/** FNV-1a 32 over every text and label, with separators. */
function hashData(texts: readonly string[], labels: readonly string[]): string {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xffff, 0x01000193);
  };
  for (let i = 0; i < texts.length; i++) { mix(texts[i]); mix(labels[i]); }
  return `${texts.length}:${(h >>> 0).toString(16).padStart(8, '0')}`;
}

function cloneHistory(h: History): History {
  return { epoch: [...h.epoch], history: Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k, [...v]])) };
}

/** A batch callback that gives the event loop a turn every 50 ms (so signals arrive) and stops when aborted. */
function interruptCheck(signal: AbortSignal, stop: () => never): Callback {
  let lastYield = performance.now();
  return {
    async onBatchEnd(_b: number, _logs: Logs) {
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = performance.now();
      }
      if (signal.aborted) stop();
    },
  };
}
