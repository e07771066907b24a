// Sequential: a stack of layers with Keras' compile / fit / evaluate / predict / summary.
import { TrainingDivergedError } from '../advice.js';
import { Graph, type Node } from '../autograd.js';
import { Layer, fmtLayerShape, type CallContext, type LayerShape } from '../layers/layer.js';
import { Embedding } from '../layers/embedding.js';
import { Dense } from '../layers/dense.js';
import { Activation } from '../layers/activation.js';
import { modelInputShape } from '../layers/flatten.js';
import { layerFromConfig } from '../layers/index.js';
import { ParamStore, type WeightArray } from '../params.js';
import { lossAndBackward, lossFrom, fusedLink, type LossConfig, type LossName } from '../losses.js';
import { AucAccumulator, checkMetrics, classCountOf, classKindOf, classReport, metricFamily, metricsMismatch, predictedClassesOf, reportOfConfusion, TOP_K, topKCorrect, trueClassesOf, type ClassKind, type MetricFamily, type MetricName } from '../metrics.js';
import { optimizerFrom, type Optimizer, type OptimizerName } from '../optimizers/optimizers.js';
import { Random, checkSeed, deriveSeed } from '../random.js';
import { hasRuntime, init, runtime } from '../runtime/default.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor.js';
import { gatherRows, position, rowSizeOf, toArray, type Batchable, type DataInput, type Shaped } from '../training/data.js';
import { checkCallbacks, type Callback, type History, type Logs } from '../training/callbacks.js';
import { nonFinitePenaltyWeight, regularizationPenalty } from '../training/regularize.js';
import { checkBool, checkOptions, describe, optionNames } from '../options.js';
import { firstNonFinite, name as checkName } from '../io/checks.js';

export interface SequentialArgs {
  name?: string;
  /** Seed of the weight initialisers (default: the first fit's seed, else 0). */
  seed?: number;
}

export interface CompileArgs {
  optimizer?: Optimizer | OptimizerName;
  loss: LossName | LossConfig;
  /**
   * 'accuracy' (or 'acc', logged as 'acc', as Keras and tfjs do), 'precision', 'recall', 'f1' (macro
   * averages over the classes present), 'auc' (or Keras' 'AUC'; exact ROC AUC over the epoch, see
   * AucAccumulator), Keras' 'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy'
   * (accuracy under their own names, each for its loss), 'top_k_categorical_accuracy' and
   * 'sparse_top_k_categorical_accuracy' (k = 5), and tfjs' camelCase spellings of those five,
   * logged as typed. A model file stores 'acc' as 'accuracy' (files stay readable by earlier
   * versions), so a loaded model logs 'accuracy'.
   */
  metrics?: (MetricName | 'acc' | 'AUC')[];
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  /** Shuffle the training samples every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Seeds shuffling and dropout (and the weights, if the model is not built yet). Default 0. */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y], or [x, y, sampleWeight] to weigh the validation loss per sample (Keras). */
  validationData?: [DataInput, DataInput] | [DataInput, DataInput, ArrayLike<number> | null];
  /** Weight of each class in the loss, e.g. { 0: 1, 1: 5 } (or [1, 5], or a Map). */
  classWeight?: Record<number, number> | number[] | Map<number, number> | null;
  /**
   * Weight of each training sample in the loss, one finite number >= 0 per sample (Keras'
   * sample_weight); with classWeight the two multiply. With validationSplit the held-out samples'
   * weights weigh the validation loss, as validationData's third entry does. The metrics are
   * unweighted (Keras' `metrics`, not its `weighted_metrics`).
   */
  sampleWeight?: ArrayLike<number> | null;
  callbacks?: Callback[] | Callback;
  /** 0 silent (default); 1, 2 or 'auto' one line per epoch. */
  verbose?: 0 | 1 | 2 | 'auto' | boolean;
  initialEpoch?: number;
}

export interface PredictArgs {
  batchSize?: number;
  /** Taken for Keras code (`predict(x, { verbose: 0 })`); evaluate and predict print nothing either way. */
  verbose?: 0 | 1 | 2 | 'auto' | boolean;
}

export interface EvaluateArgs extends PredictArgs {
  /** Weight of each sample in the loss (Keras' sample_weight); the metrics stay unweighted. */
  sampleWeight?: ArrayLike<number> | null;
}

/** What fit gathers per epoch for AUC and top-k (Sequential.metricGather). */
type MetricGather = { auc: AucAccumulator | null; topK: boolean };

/** Inputs, targets and (fit's validation, evaluate) per-sample loss weights. */
type Prepared = { x: Batchable; y: Batchable; w?: Float32Array | null };

const SEQUENTIAL_OPTIONS = optionNames<SequentialArgs>({ name: true, seed: true });
const COMPILE_OPTIONS = optionNames<CompileArgs>({ optimizer: true, loss: true, metrics: true });
const FIT_OPTIONS = optionNames<FitArgs>({
  batchSize: true, epochs: true, shuffle: true, seed: true, validationSplit: true, validationData: true,
  classWeight: true, sampleWeight: true, callbacks: true, verbose: true, initialEpoch: true,
});
const PREDICT_OPTIONS = optionNames<PredictArgs>({ batchSize: true, verbose: true });
const EVALUATE_OPTIONS = optionNames<EvaluateArgs>({ batchSize: true, verbose: true, sampleWeight: true });
const LOSS_AND_GRADIENTS_OPTIONS = optionNames<{ seed?: number }>({ seed: true });

/** verbose as Keras takes it: 0 / false silent, 1 / 2 / true / 'auto' not; null is not given (0). */
function checkVerbose(op: string, v: unknown): 0 | 1 {
  const given = v ?? 0;
  if (![0, 1, 2, 'auto', true, false].includes(given as never)) throw new RangeError(`wasmnn: ${op}: verbose must be 0 (silent), 1 or 2 (one line per epoch), or 'auto', got ${describe(v)}`);
  return given === 0 || given === false ? 0 : 1;
}

/** The model each optimizer instance is compiled into: an optimizer keeps one model's state. */
const optimizerOwners = new WeakMap<Optimizer, Sequential>();

/**
 * The model each layer instance was added to. A layer's weights live in one model's slab, and a
 * failed build resets its layers: a layer shared with a second model would lose the first
 * model's weights (and a layer added twice would collide with itself), so add() refuses it.
 */
const layerOwners = new WeakMap<Layer, Sequential>();

/** "layer 'dense'", or "a Dense layer" before the model has named it. */
function layerLabel(l: Layer): string { return l.name ? `layer '${l.name}'` : `a ${l.className} layer`; }

export class Sequential {
  readonly className = 'Sequential';
  readonly layers: Layer[] = [];
  name: string;
  seed: number | undefined;
  store: ParamStore | null = null;
  optimizer: Optimizer | null = null;
  loss: LossConfig | null = null;
  metrics: MetricName[] = [];
  /** The key accuracy logs under: the name compile() was given ('acc' stays 'acc', as in Keras). */
  private accuracyKey: 'accuracy' | 'acc' = 'accuracy';
  /** Set by a callback to end fit() after the current epoch. */
  stopTraining = false;
  /** Training steps taken over the model's life (seeds dropout per step). */
  trainSteps = 0;
  private rt: Runtime | null = null;
  private builtFor: LayerShape | null = null;
  private disposed = false;
  /** Set while fit() runs: a second fit (or evaluate) on the same model must wait for it. */
  private fitting = false;

  constructor(layers: Layer[] = [], args: SequentialArgs = {}) {
    checkOptions('Sequential', args, SEQUENTIAL_OPTIONS);
    if (!Array.isArray(layers)) throw new TypeError(`wasmnn: new Sequential(layers, options): layers must be an array of layers, such as [new Dense({ units: 2 })] (or [] to add them later), got ${describe(layers)}`);
    // the model file's rule for names (io/checks.ts), so that every model made here saves and loads
    const nameProblem = args.name === undefined ? null : checkName(args.name);
    if (nameProblem) throw new TypeError(`wasmnn: new Sequential(layers, options): name ${nameProblem}, got ${describe(args.name)}`);
    this.name = args.name ?? 'sequential';
    this.seed = checkSeed('Sequential', args.seed);
    try {
      for (const l of layers) this.add(l);
    } catch (e) {
      // this model is never returned: free the layers it took, so that they can go in another
      for (const l of this.layers) layerOwners.delete(l);
      throw e;
    }
  }

  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new TypeError(`wasmnn: Sequential.add takes a layer, got ${describe(layer)}`);
    if (this.store) throw new Error('wasmnn: cannot add layers to a model that is already built');
    this.requireAlive();
    this.checkLayerPlace(layer, -1);
    if (layer.built) throw new Error(`wasmnn: ${layerLabel(layer)} was already built on its own (layer.build); a model builds its layers itself: add a new, unbuilt layer`);
    layerOwners.set(layer, this);
    this.layers.push(layer);
    return this;
  }

  get built(): boolean { return this.store !== null; }

  /** The sample shape (no batch dimension) the model was built for, null where it varies; null before build. */
  get inputShape(): LayerShape | null { return this.builtFor ? [...this.builtFor] : null; }

  /** Builds every layer for samples of `inputShape` (no batch dimension) and allocates the weights. */
  build(inputShape: LayerShape, rt: Runtime = runtime()): void {
    const given: unknown = inputShape;
    if (!Array.isArray(given) || given.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 0))) {
      throw new TypeError(`wasmnn: build: inputShape must be the shape of one sample without the batch dimension, an array of whole numbers (null where it varies) such as [4] or [20], got ${Array.isArray(given) ? `[${given.map(describe).join(', ')}]` : describe(given)}`);
    }
    if (this.store) {
      const prev = this.builtFor!;
      if (!shapesAgree(prev, inputShape)) throw new RangeError(`wasmnn: model ${this.name} was built for samples of shape ${fmtLayerShape(prev)}, got ${fmtLayerShape(inputShape)}`);
      return;
    }
    this.requireAlive();
    if (this.layers.length === 0) throw new Error('wasmnn: the model has no layers; add some before training');
    // before anything is built: the rollback below resets every layer, which must never reach a
    // layer of another model (pushed into .layers by hand, past add())
    this.layers.forEach((l, i) => {
      if (!(l instanceof Layer)) throw new TypeError(`wasmnn: build: layer ${i + 1} of the model is ${describe(l)}, not a layer; add layers with model.add(layer)`);
      this.checkLayerPlace(l, i);
    });
    for (const l of this.layers) layerOwners.set(l, this);
    const first = this.layers[0];
    // a first layer's declared inputShape is what the model is built for: data of another shape
    // would reach a kernel (a gemm's "inner dimensions differ") instead of this message
    const declared = first.inputShape;
    if (declared && !shapesAgree(declared, inputShape)) {
      throw new RangeError(`wasmnn: ${layerLabel(first)} declares inputShape ${fmtLayerShape(declared)}, but the samples have shape ${fmtLayerShape(inputShape)}; ` +
        'pass samples of the declared shape, or change the layer\'s inputShape');
    }
    const sample = declared ?? inputShape;
    const last = sample[sample.length - 1];
    // float features (not token ids, whose last axis is the sequence): a zero width has no
    // values to compute with, and would fail later inside a kernel with a shape message
    if (this.inputDtype() === 'f32' && last === 0) {
      throw new RangeError(`wasmnn: build: the last input dimension must be >= 1, got 0 (samples of shape ${fmtLayerShape(sample)}); every sample needs at least one feature`);
    }
    try {
      this.buildLayers(inputShape, rt);
    } catch (e) {
      // leave no half-built layer behind: a retry must build from scratch
      for (const l of this.layers) l.resetBuild();
      this.optimizer?.release();
      (this.store as ParamStore | null)?.free();   // set by buildLayers if it got that far
      this.store = null;
      this.builtFor = null;
      throw e;
    }
  }

  private buildLayers(inputShape: LayerShape, rt: Runtime): void {
    this.rt = rt;
    const builtFor = modelInputShape(this.layers, inputShape);
    let shape = builtFor;
    nameLayers(this.layers);
    for (const l of this.layers) shape = l.build(shape);
    const names = new Set<string>();
    for (const l of this.layers) {
      if (names.has(l.name)) throw new Error(`wasmnn: two layers are named '${l.name}'; layer names must be unique`);
      names.add(l.name);
    }
    // weights are named <layer>/<weight> (Bidirectional: <layer>/forward_<inner>/...): a layer
    // named like a path could collide with another layer's weight, and files key weights by name
    const owner = new Map<string, string>();
    for (const l of this.layers) {
      for (const w of l.weights) {
        const other = owner.get(w.name);
        if (other !== undefined) throw new Error(`wasmnn: layers '${other}' and '${l.name}' both have a weight named '${w.name}'; rename one of them (weight names must be unique, e.g. avoid '/' in layer names)`);
        owner.set(w.name, l.name);
      }
    }
    this.store = new ParamStore(rt, this.layers.flatMap((l) => l.weights));
    this.store.initialize(this.seed ?? 0);
    this.builtFor = builtFor;
    this.optimizer?.attach(this.store);
  }

  compile(args: CompileArgs): void {
    this.requireAlive();
    // compiling swaps the optimizer and the loss under the running fit's feet
    this.requireNotFitting('compile');
    if (!args || typeof args !== 'object') throw new TypeError('wasmnn: compile takes { optimizer, loss, metrics }');
    checkOptions('Sequential.compile', args, COMPILE_OPTIONS);
    const optimizer = optimizerFrom(args.optimizer);
    const owner = optimizerOwners.get(optimizer);
    if (owner && owner !== this) {
      throw new Error(`wasmnn: this ${optimizer.className} optimizer is already compiled into model '${owner.name}'; an optimizer keeps one model's state: give each model its own (new ${optimizer.className}({ ... }))`);
    }
    const loss = lossFrom(args.loss);
    const metrics = checkMetrics(args.metrics);
    // a Keras-named accuracy for another loss is refused now when the loss tells (the output's
    // units, for mean squared error, are checked at fit / evaluate)
    this.checkMetricsFit(metrics, loss, this.builtFor ? this.outputUnits : null);
    // the same optimizer compiled again keeps its state (Keras); another one replaces it
    if (this.optimizer && this.optimizer !== optimizer) { this.optimizer.release(); optimizerOwners.delete(this.optimizer); }
    this.optimizer = optimizer;
    optimizerOwners.set(optimizer, this);
    this.loss = loss;
    this.metrics = metrics;
    this.accuracyKey = (args.metrics as unknown[] | undefined)?.includes('acc') ? 'acc' : 'accuracy';
    if (this.store) {
      this.relayIfTrainableChanged();
      this.optimizer.attach(this.store);
    }
  }

  /** Layers whose trainable flag changed since the weights were laid out (Keras: it takes effect at compile). */
  private staleTrainable(): Layer[] {
    return this.layers.filter((l) => l.weights.some((w) => w.trainable !== w.wantsTraining()));
  }

  /** Re-lays the weight slab (trainable weights first) after trainable flags changed, keeping every value. */
  private relayIfTrainableChanged(): void {
    if (!this.staleTrainable().length) return;
    const values = this.store!.getWeights();
    this.store!.free();
    for (const w of this.layers.flatMap((l) => l.weights)) w.trainable = w.wantsTraining();
    this.store = new ParamStore(this.rt!, this.layers.flatMap((l) => l.weights));
    for (const w of values) this.store.setWeight(w.name, w.values);
  }

  private requireAlive(): void {
    if (this.disposed) throw new Error(`wasmnn: model '${this.name}' was disposed (its weights are freed); build a new model, or load it again from its file`);
  }

  /** Number of classes / outputs of the last layer. */
  get outputUnits(): number {
    const s = this.layers[this.layers.length - 1]?.outputShape;
    const d = s?.[s.length - 1];
    if (typeof d !== 'number') throw new Error('wasmnn: the model is not built yet');
    return d;
  }

  private runtimeOrInit(): Runtime { return this.rt ?? runtime(); }

  private inputDtype(): 'i32' | 'f32' { return this.layers[0] instanceof Embedding || (this.layers[0] as any).takesIds ? 'i32' : 'f32'; }

  private prepareX(x: DataInput, what: string): Batchable {
    if (this.layers.length === 0) throw new Error('wasmnn: the model has no layers; add some first (new Sequential([...layers]) or model.add(layer))');
    const b = toArray(x, what, this.inputDtype());
    if (b.shape[0] === 0) throw new RangeError(`wasmnn: ${what} is empty: there are no samples`);
    const first = this.layers[0] as Layer & { inputDim?: number };
    if (first instanceof Embedding || (first as any).takesIds) {
      const d = b.data as Int32Array;
      for (let i = 0; i < d.length; i++) {
        if (d[i] < 0 || d[i] >= first.inputDim!) {
          throw new RangeError(`wasmnn: ${what}: token id ${d[i]} at ${position(i, b.shape)} is outside the vocabulary of ${first.className}${first.name ? ` '${first.name}'` : ''} (the first layer, inputDim ${first.inputDim}); raise inputDim or map unknown tokens to an out-of-vocabulary id`);
        }
      }
    }
    return b;
  }

  private prepareY(y: DataInput, what: string, xa: Batchable): Batchable {
    const n = xa.shape[0];
    const loss = this.requireLoss();
    const sparse = loss.name === 'sparseCategoricalCrossentropy';
    const b = toArray(y, what, sparse ? 'i32' : 'f32');
    if (b.shape[0] !== n) throw new RangeError(`wasmnn: ${what} has ${b.shape[0]} samples but the inputs have ${n}; they must match`);
    const units = this.outputUnits;
    if (sparse) {
      // one class index per output row: (n) for (n, classes) outputs, (n, T) for (n, T, classes)
      if (b.shape.length >= 2 && b.shape[b.shape.length - 1] === 1 && b.shape.length > 1) b.shape = b.shape.slice(0, -1);
      const out = this.layers[this.layers.length - 1].outputShape!;
      if (units > 1 && b.shape.length === out.length + 1 && b.shape[b.shape.length - 1] === units) {
        throw new RangeError(`wasmnn: ${what} has shape (${b.shape.join(', ')}), one-hot rows like the outputs, but sparseCategoricalCrossentropy takes one class index per sample; pass the class indices, or compile with loss 'categoricalCrossentropy'`);
      }
      const d = b.data as Int32Array;
      for (let i = 0; i < d.length; i++) {
        if (d[i] < 0 || d[i] >= units) {
          throw new RangeError(`wasmnn: ${what}: label ${d[i]} at ${position(i, b.shape)} is outside the ${units} classes of the last layer (0 .. ${units - 1}); check the labels or the last layer's units`);
        }
      }
    } else {
      if (b.shape.length === 1) b.shape = [n, 1];
      const cols = b.shape[b.shape.length - 1];
      if (cols !== units) throw new RangeError(`wasmnn: ${what}: targets have ${cols} values in their last dimension but the last layer has ${units} outputs (for class indices use sparseCategoricalCrossentropy)`);
      // the whole sample shape, not only the last axis: the loss pairs output and target values
      // by position, so (n, 3, 2) targets for (n, 2) outputs would train on misaligned values
      const out = this.outputShapeFor(xa);
      const got = b.shape.slice(1);
      if (got.length !== out.length || out.some((d, i) => d !== null && d !== got[i])) {
        throw new RangeError(`wasmnn: ${what}: targets have shape (${b.shape.join(', ')}) but the model's outputs have shape ${fmtLayerShape(out).replace('None', String(n))}; for ${loss.name} they must have the same shape (one target value per output value)`);
      }
    }
    return b;
  }

  /** The output's sample shape for x's samples (a time axis the input sets is filled in; null where it cannot be known). */
  private outputShapeFor(xa: Batchable): LayerShape {
    try {
      return this.layers.reduce<LayerShape>((s, l) => l.computeOutputShape(s), xa.shape.slice(1));
    } catch {
      return this.layers[this.layers.length - 1].outputShape!;   // the loss checks what is left, per batch
    }
  }

  private requireLoss(): LossConfig {
    this.requireAlive();
    if (!this.loss || !this.optimizer) throw new Error('wasmnn: compile the model first: model.compile({ optimizer, loss })');
    return this.loss;
  }

  /**
   * Refuses a layer that another model owns, or that this model holds at a position other than
   * `at` (-1: a layer being added, so at none): a layer's weights live in one place.
   */
  private checkLayerPlace(l: Layer, at: number): void {
    const fix = 'create a new layer (or copy its config)';
    const owner = layerOwners.get(l);
    const first = this.layers.indexOf(l);
    if (at < 0 && first >= 0) throw new Error(`wasmnn: ${layerLabel(l)} is already in this model (layer ${first + 1}); a layer's weights live in one place: ${fix} for each position`);
    if (owner && owner !== this) throw new Error(`wasmnn: ${layerLabel(l)} already belongs to another model; a layer's weights live in one model: ${fix}`);
    if (at >= 0 && first !== at) throw new Error(`wasmnn: ${layerLabel(l)} is in this model twice (layers ${first + 1} and ${at + 1}); a layer's weights live in one place: ${fix} for each position`);
  }

  /** Builds on first use; later, checks that x's samples have the shape the model was built for. */
  private ensureBuilt(x: Batchable): void {
    this.build(x.shape.slice(1), this.store ? this.rt! : this.runtimeOrInit());
  }

  private requireNotFitting(op: string): void {
    if (this.fitting) throw new Error(`wasmnn: ${op}: fit() is still running on model '${this.name}'; await it before calling ${op} on the same model`);
  }

  /** Whether the last layer's activation runs fused into the loss (logits requested). */
  private fused(): boolean {
    const last = this.layers[this.layers.length - 1];
    const link = this.loss ? fusedLink(this.loss) : null;
    return !!link && (last instanceof Dense || last instanceof Activation) && last.activation === link;
  }

  /** Forward pass through every layer; returns the output node, every layer's output and the output's mask. */
  private forward(g: Graph, x: Tensor, ctx: CallContext): { y: Node; outputs: Node[]; mask: Tensor | null } {
    let node = g.constant(x);
    let mask: Tensor | null = null;
    const outputs: Node[] = [];
    this.layers.forEach((l, i) => {
      const last = i === this.layers.length - 1;
      // inference: an Embedding whose output the next layer reads from its source need not gather it
      const deferOutput = !ctx.training && !last && l instanceof Embedding && this.layers[i + 1].fillsEmbeddingOutput();
      const r = l.call(g, node, mask, last ? ctx : { ...ctx, logits: false, deferOutput });
      node = r.y; mask = r.mask;
      outputs.push(node);
    });
    return { y: node, outputs, mask };
  }

  /**
   * Per-row loss weights of a per-time-step output (B, T, C) that carries a (B, T) mask, as Keras 3
   * weights a masked loss: mask * total / (valid + 1e-7), so the batch's loss is the mean over the
   * unmasked steps (padded steps count neither in the loss, its gradient nor the metrics). Null
   * when the output has no time axis or no mask.
   */
  private static maskWeights(y: Node, mask: Tensor | null): Float32Array | null {
    const shape = y.value.shape;
    if (!mask || shape.length !== 3 || mask.size !== shape[0] * shape[1]) return null;
    const m = mask.f32();
    let valid = 0;
    for (let i = 0; i < m.length; i++) valid += m[i];
    const scale = m.length / (valid + 1e-7);
    return Float32Array.from(m, (v) => v * scale);
  }

  async fit(x: DataInput, y: DataInput, args: FitArgs = {}): Promise<History> {
    checkOptions('Sequential.fit', args, FIT_OPTIONS);
    this.requireLoss();
    this.requireNotFitting('fit');
    this.fitting = true;
    try {
      return await this.fitUnguarded(x, y, args);
    } finally {
      this.fitting = false;
    }
  }

  private async fitUnguarded(x: DataInput, y: DataInput, args: FitArgs): Promise<History> {
    const loss = this.requireLoss();
    const batchSize = checkBatchSize('fit', args.batchSize);
    const epochs = args.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`wasmnn: fit: epochs must be a whole number >= 0, got ${describe(epochs)}`);
    // the options are all checked before anything is built or trained
    // null counts as not given (as the layer options and Keras' None)
    const start: unknown = args.initialEpoch ?? 0;
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
      throw new RangeError(`wasmnn: fit: initialEpoch must be a whole number >= 0 (the epoch to resume at; training runs epochs initialEpoch .. epochs - 1), got ${describe(start)}`);
    }
    const seed = checkSeed('fit', args.seed) ?? 0;
    const shuffle = checkBool('fit', 'shuffle', args.shuffle ?? undefined, true);
    // Keras' values: 0 silent, 1 (a progress bar there) and 2 (one line per epoch) both print one
    // line per epoch here, as does 'auto'; true and false as 1 and 0
    const verbose = checkVerbose('fit', args.verbose);
    const callbacks = checkCallbacks(args.callbacks, 'fit');
    const classWeight = classWeightObject(args.classWeight);
    const vd: unknown = args.validationData;
    if (vd !== undefined && vd !== null && !(Array.isArray(vd) && (vd.length === 2 || vd.length === 3))) {
      throw new TypeError(`wasmnn: fit: validationData must be [x, y] (or [x, y, sampleWeight]), an array of the inputs and the targets, got ${describe(vd)}`);
    }
    if (this.seed === undefined && !this.store) this.seed = seed;
    if (!this.rt && !hasRuntime()) await init();
    let xa = this.prepareX(x, 'x');
    this.ensureBuilt(xa);
    let ya = this.prepareY(y, 'y', xa);
    let sampleWeight = sampleWeightsOf(args.sampleWeight, xa.shape[0]);
    let val: Prepared | null = null;
    if (args.validationData) {
      const vx = this.prepareX(args.validationData[0], 'validationData x');
      // the samples the model was built for, named as validationData's (not a kernel's shape error)
      try { this.ensureBuilt(vx); } catch (e) { throw new RangeError(`wasmnn: fit: validationData x: ${(e as Error).message.replace(/^wasmnn: /, '')}`); }
      val = { x: vx, y: this.prepareY(args.validationData[1], 'validationData y', vx), w: sampleWeightsOf(args.validationData[2], vx.shape[0], 'validationData sampleWeight') };
    } else if (args.validationSplit !== undefined) {
      const f = args.validationSplit;
      if (!(typeof f === 'number' && f > 0 && f < 1)) throw new RangeError(`wasmnn: fit: validationSplit must be in (0, 1), got ${f}`);
      const n = xa.shape[0];
      // as Keras and tfjs: the first floor(n * (1 - f)) samples train, the rest validate
      const nVal = n - Math.floor(n * (1 - f));
      if (nVal === 0 || nVal === n) throw new RangeError(`wasmnn: fit: validationSplit ${f} of ${n} samples leaves ${nVal === 0 ? 'no validation' : 'no training'} samples`);
      [xa, val] = splitTail(xa, ya, n - nVal);
      ya = sliceRows(ya, 0, n - nVal);
      val.w = sampleWeight?.subarray(n - nVal) ?? null;
      sampleWeight = sampleWeight?.subarray(0, n - nVal) ?? null;
    }
    const n = xa.shape[0];
    const stale = this.staleTrainable();
    if (stale.length) {
      throw new Error(`wasmnn: fit: the trainable flag of layer '${stale[0].name}' changed after compile; call model.compile(...) again so that it takes effect (as in Keras)`);
    }
    const lossWeights = this.lossWeights(classWeight, sampleWeight, ya);
    this.checkMetricsFit(this.metrics, loss, this.outputUnits);
    // what AUC and top-k need, gathered only when compiled: fit without them pays nothing more
    const gather = this.metricGather(n);
    for (const c of callbacks) c.setModel?.(this);
    const history: History = { epoch: [], history: {} };
    this.stopTraining = false;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const xRow = rowSizeOf(xa), yRow = rowSizeOf(ya);
    const rows = Math.min(batchSize, n);   // a batch never holds more than the data set
    const xBuf = new (xa.data.constructor as any)(rows * xRow);
    const yBuf = new (ya.data.constructor as any)(rows * yRow);
    const wBuf = lossWeights ? new Float32Array(rows) : null;
    const rt = this.rt!;
    // Every fit() call shuffles afresh (Keras): the orders come from the seed and the training steps
    // this model took before this call's epoch 0, so fit({ epochs: 1 }) in a loop sees a new order
    // each time. A call that continues a run (initialEpoch k after k epochs, a resumed checkpoint)
    // finds none before it and replays that run's orders exactly, as does a model that has taken
    // fewer steps than initialEpoch implies (fresh, or loaded without its optimizer state). Each
    // epoch shuffles the previous epoch's order, so the epochs before initialEpoch are replayed;
    // only when an epoch will run (initialEpoch may be past epochs, and each costs a shuffle).
    const stepsBefore = this.trainSteps - start * Math.ceil(n / batchSize);
    const shuffleSeed = (e: number) => deriveSeed(seed, stepsBefore <= 0 ? `shuffle/${e}` : `shuffle/${stepsBefore}/${e}`);
    if (shuffle && start < epochs) for (let e = 0; e < start; e++) new Random(shuffleSeed(e)).shuffle(order);
    for (const c of callbacks) await c.onTrainBegin?.({});
    for (let epoch = start; epoch < epochs && !this.stopTraining; epoch++) {
      const t0 = performance.now();
      for (const c of callbacks) await c.onEpochBegin?.(epoch, {});
      if (shuffle) new Random(shuffleSeed(epoch)).shuffle(order);
      let lossSum = 0, correct = 0, counted = 0, seen = 0, topCorrect = 0, topCounted = 0;
      gather?.auc?.reset();
      // the epoch's confusion matrix, for precision / recall / F1 over the epoch (Keras reports them for training too)
      const needsReport = this.metrics.some((k) => k === 'precision' || k === 'recall' || k === 'f1');
      let confusion: number[][] | null = null;
      const batches = Math.ceil(n / batchSize);
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const m = idx.length;
        for (const c of callbacks) await c.onBatchBegin?.(b, { batch: b, size: m });
        gatherRows(xa.data, xRow, idx, xBuf);
        gatherRows(ya.data, yRow, idx, yBuf);
        if (wBuf) for (let i = 0; i < m; i++) wBuf[i] = lossWeights![idx[i]];
        const r = this.trainStep(rt, xBuf.subarray(0, m * xRow), [m, ...xa.shape.slice(1)], yBuf.subarray(0, m * yRow), [m, ...ya.shape.slice(1)], wBuf?.subarray(0, m) ?? null, { epoch, batch: b, seed }, true, confusion, gather);
        if (needsReport) confusion = r.confusion;
        if (r.top) { topCorrect += r.top.correct; topCounted += r.top.counted; }
        lossSum += r.loss * m;
        correct += r.correct;
        counted += r.counted;
        seen += m;
        if (callbacks.length) {
          const logs: Logs = { batch: b, size: m, loss: r.loss };
          // a batch of padded steps only: 0, as Keras
          this.putMetricValues(logs, { accuracy: r.counted ? r.correct / r.counted : 0, topK: r.top ? (r.top.counted ? r.top.correct / r.top.counted : 0) : undefined });
          for (const c of callbacks) await c.onBatchEnd?.(b, logs);
        }
      }
      const logs: Logs = { loss: lossSum / seen };
      const rep = confusion ? reportOfConfusion(confusion) : null;
      this.putMetricValues(logs, {
        accuracy: counted ? correct / counted : 0,
        precision: rep?.macroPrecision, recall: rep?.macroRecall, f1: rep?.macroF1,
        auc: gather?.auc?.value(), topK: gather?.topK ? (topCounted ? topCorrect / topCounted : 0) : undefined,
      });
      if (val) {
        const v = this.evaluateBatched(val, batchSize, `fit: the validation data at epoch ${epoch + 1}`);
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      // the callbacks first, then the History and the progress line see what they added to the logs
      // (LearningRateScheduler's learning_rate), as Keras' History is the last callback
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs);
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) if (typeof v === 'number') (history.history[k] ??= []).push(v);
      if (verbose) {
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        console.log(`Epoch ${epoch + 1}/${epochs} - ${secs}s - ${Object.entries(logs).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}`);
      }
      await new Promise((r) => setTimeout(r, 0));   // let timers, signals and progress output run
    }
    for (const c of callbacks) await c.onTrainEnd?.({});
    return history;
  }

  /**
   * Loss and gradients of one batch in training mode, without updating the weights: for
   * gradient checks, parity tests and custom loops. Returns the mean loss and each weight's gradient
   * (with the weight regularizers' penalty and its gradients, as fit() trains on them).
   */
  lossAndGradients(x: DataInput, y: DataInput, args: { seed?: number } = {}): { loss: number; grads: Map<string, Float32Array> } {
    this.requireLoss();
    checkOptions('Sequential.lossAndGradients', args, LOSS_AND_GRADIENTS_OPTIONS);
    checkSeed('lossAndGradients', args.seed);
    const xa = this.prepareX(x, 'x');
    this.ensureBuilt(xa);
    const ya = this.prepareY(y, 'y', xa);
    const r = this.trainStep(this.rt!, xa.data, xa.shape, ya.data, ya.shape, null, { epoch: 0, batch: 0, seed: args.seed ?? 0 }, false);
    const grads = new Map<string, Float32Array>();
    for (const w of this.store!.weights) if (w.trainable) grads.set(w.name, w.p.gradSlot.f32().slice());
    return { loss: r.loss, grads };
  }

  /** One optimisation step on one batch (or only its gradients, with update = false). */
  private trainStep(rt: Runtime, xb: Int32Array | Float32Array, xShape: number[], yb: Int32Array | Float32Array, yShape: number[], wb: Float32Array | null, at: { epoch: number; batch: number; seed: number }, update = true, confusion: number[][] | null = null, gather: MetricGather | null = null): { loss: number; correct: number; counted: number; confusion: number[][]; top: { correct: number; counted: number } | null } {
    const loss = this.loss!;
    const fused = this.fused();
    return rt.step(() => {
      const g = new Graph(rt, true);
      const x = rt.temp(xShape, xb instanceof Int32Array ? 'i32' : 'f32').set(xb);
      const t = rt.temp(yShape, yb instanceof Int32Array ? 'i32' : 'f32').set(yb);
      const w = wb ? rt.temp([wb.length]).set(wb) : null;
      const ctx: CallContext = { rt, training: true, seed: at.seed, step: this.trainSteps, logits: fused };
      const { y, outputs, mask } = this.forward(g, x, ctx);
      // a masked per-time-step output: the padded steps weigh nothing (class weights are per
      // sample, refused for such outputs, so w is null then)
      const mw = Sequential.maskWeights(y, mask);
      const r = lossAndBackward(g, y, t, mw ? rt.temp(y.value.shape.slice(0, -1)).set(mw) : w, loss, fused || !!loss.fromLogits);
      // the weight regularizers: their gradients join the backward's, their penalty the batch's mean loss
      const penalty = regularizationPenalty(this.store!, true);
      if (Number.isFinite(r.loss) && !Number.isFinite(penalty)) {
        // the data's loss is finite: the regularizers' penalty overflowed (a weight grew too large)
        const name = nonFinitePenaltyWeight(this.store!);
        throw new TrainingDivergedError(r.loss + penalty, at.epoch, at.batch, this.trainSteps + 1,
          `the weight regularizers' penalty${name ? ` of ${name}` : ''} (the weight has grown beyond what its sum of squares can hold; lower the regularizer's factor)`);
      }
      r.loss += penalty;
      if (!Number.isFinite(r.loss)) this.explainNonFinite(r.loss, outputs, at);
      if (update) {
        this.optimizer!.step();
        this.trainSteps++;
      }
      return { loss: r.loss, ...this.countCorrect(r.probs, yb, confusion, mw, gather) };
    });
  }

  /** How the loss reads targets as classes, for the metrics. */
  private classKind(): ClassKind { return classKindOf(this.loss!.name); }

  /** Refuses a Keras-named accuracy metric that does not fit the loss (units null: not built yet). */
  private checkMetricsFit(metrics: MetricName[], loss: LossConfig, units: number | null): void {
    const why = metricsMismatch(metrics, loss.name, units);
    if (why) throw new RangeError(`wasmnn: ${why}`);
  }

  /**
   * What fit gathers over an epoch for 'auc' (every row's scores, in buffers reused from epoch to
   * epoch) and the top-k metrics; null when neither is compiled.
   */
  private metricGather(samples: number): MetricGather | null {
    const families = new Set(this.metrics.map(metricFamily));
    if (!families.has('auc') && !families.has('topK')) return null;
    const shape = this.layers[this.layers.length - 1].outputShape!;
    // rows per sample: time steps of a per-time-step output (the buffers grow if a guess is short)
    const rows = shape.slice(0, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
    return { auc: families.has('auc') ? new AucAccumulator(this.classKind(), this.outputUnits, samples * rows) : null, topK: families.has('topK') };
  }

  /**
   * A batch's outputs against its targets, counted into `confusion` (m[true][predicted], made here
   * when null): returns it, the correct predictions and how many were counted (rows, or values for binary).
   */
  private countCorrect(probs: Float32Array, y: Int32Array | Float32Array, confusion: number[][] | null = null, rowWeights: Float32Array | null = null, gather: MetricGather | null = null): { correct: number; counted: number; confusion: number[][]; top: { correct: number; counted: number } | null } {
    const kind = this.classKind(), units = this.outputUnits;
    let top: { correct: number; counted: number } | null = null;
    const all = trueClassesOf(kind, y, units);   // every row's class; AUC and top-k leave the masked rows out themselves
    if (gather) {
      gather.auc?.add(probs, all, rowWeights);
      if (gather.topK) top = topKCorrect(probs, all, units, TOP_K, rowWeights);
    }
    const { truth, pred } = this.unmaskedClasses(kind, all, probs, rowWeights);
    const k = classCountOf(kind, units);
    const m = confusion ?? Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let correct = 0;
    for (let i = 0; i < truth.length; i++) {
      if (pred[i] === truth[i]) correct++;
      m[truth[i]][pred[i]]++;
    }
    return { correct, counted: truth.length, confusion: m, top };
  }

  /** True (from every row's, `all`) and predicted classes, without the rows a mask leaves out (rowWeights 0: padded time steps). */
  private unmaskedClasses(kind: ClassKind, all: Int32Array, probs: Float32Array, rowWeights: Float32Array | null): { truth: Int32Array; pred: Int32Array } {
    let truth = all, pred = predictedClassesOf(kind, probs, this.outputUnits);
    if (rowWeights) {
      // one class per row, or one per output unit (binary): a row's weight covers its units
      const per = truth.length / rowWeights.length;
      const keep = (_: number, i: number) => rowWeights[Math.floor(i / per)] !== 0;
      truth = truth.filter(keep);
      pred = pred.filter(keep);
    }
    return { truth, pred };
  }

  /**
   * "the output of layer 'dense' (Dense)" for the first layer whose output (in `outputs`, one per
   * layer) holds a non-finite value, or null. At inference an Embedding whose gather was left to
   * the next layer (deferOutput) holds no values of its own: it is skipped, and a NaN row of its
   * table shows in the next layer.
   */
  private firstNonFiniteLayer(outputs: Node[], training: boolean): string | null {
    for (let i = 0; i < outputs.length; i++) {
      const v = outputs[i].value;
      if (v.dtype !== 'f32') continue;
      if (!training && i < this.layers.length - 1 && this.layers[i] instanceof Embedding && this.layers[i + 1].fillsEmbeddingOutput()) continue;
      const a = v.f32();
      if (a.some((e) => !Number.isFinite(e))) return `the output of layer '${this.layers[i].name}' (${this.layers[i].className})`;
    }
    return null;
  }

  private explainNonFinite(loss: number, outputs: Node[], at: { epoch: number; batch: number }): never {
    const where = this.firstNonFiniteLayer(outputs, true) ?? 'the loss itself (check the targets)';
    throw new TrainingDivergedError(loss, at.epoch, at.batch, this.trainSteps + 1, where);
  }

  /**
   * The compiled metrics whose figure `values` has, in compile's order, each under its name
   * ('accuracy' under accuracyKey; an alias such as 'binary_accuracy' under its own).
   */
  private putMetricValues(logs: Record<string, number>, values: Partial<Record<MetricFamily, number>>): void {
    for (const m of this.metrics) {
      const v = values[metricFamily(m)];
      if (v !== undefined) logs[m === 'accuracy' ? this.accuracyKey : m] = v;
    }
  }

  /**
   * Each training sample's weight in the loss, its class's times its own, worked out once per fit
   * (null when neither classWeight nor sampleWeight is given).
   */
  private lossWeights(classWeight: Record<string, number> | undefined, own: Float32Array | null, y: Batchable): Float32Array | null {
    const classes = this.classesForWeights(classWeight, y);
    if (own) this.requirePerSampleOutput('sampleWeight');
    if (!classes && !own) return null;
    const n = y.shape[0];
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (classes ? classWeight![classes[i]] ?? 1 : 1) * (own ? own[i] : 1);
    return out;
  }

  private requirePerSampleOutput(option: string): void {
    if (this.layers[this.layers.length - 1].outputShape!.length !== 1) {
      throw new RangeError(`wasmnn: ${option} needs one prediction per sample (a (batch, classes) output); this model predicts per time step`);
    }
  }

  /** classWeight's keys checked against the model's classes, and each sample's class (null without classWeight). */
  private classesForWeights(cw: Record<string, number> | undefined, y: Batchable): Int32Array | null {
    if (cw === undefined) return null;
    const units = this.outputUnits;
    this.requirePerSampleOutput('classWeight');
    const nClasses = Math.max(units, 2);
    for (const [k, v] of Object.entries(cw)) {
      // a weight is looked up by the class index's own spelling ('1'): ' 1', '01' or '1.5' would
      // never match any sample, and be ignored silently
      const key = `'${k.length > 40 ? k.slice(0, 40) + '…' : k}'`;
      if (!/^(0|[1-9][0-9]*)$/.test(k)) throw new RangeError(`wasmnn: fit: classWeight key ${key} is not a class index; keys are the classes' whole numbers 0 .. ${nClasses - 1}, written plainly (no spaces, signs, decimals or leading zeros), e.g. { 0: 1, 1: 5 }`);
      if (Number(k) >= nClasses) throw new RangeError(`wasmnn: classWeight has class ${k}, outside the model's classes (0 .. ${nClasses - 1}); check the keys or the last layer's units`);
      if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new RangeError(`wasmnn: classWeight for class ${k} must be a finite number >= 0, got ${describe(v)}`);
    }
    const kind = this.classKind();
    if (kind === 'binary' && units > 1) throw new RangeError(`wasmnn: classWeight needs one class per sample, but this model has ${units} sigmoid outputs (multi-label); weight the samples instead`);
    return trueClassesOf(kind, y.data, units);
  }

  /** Loss and metrics over a data set (inference mode, no weight changes). */
  evaluate(x: DataInput, y: DataInput, args: EvaluateArgs = {}): Record<string, number> {
    // allowed while fit() runs (from its callbacks, as in Keras): fit holds no step memory between
    // batches, and evaluate changes no weights
    this.requireLoss();
    checkOptions('Sequential.evaluate', args, EVALUATE_OPTIONS);
    checkVerbose('evaluate', args.verbose);
    const batchSize = checkBatchSize('evaluate', args.batchSize);
    const xa = this.prepareX(x, 'x');
    this.ensureBuilt(xa);
    const ya = this.prepareY(y, 'y', xa);
    this.checkMetricsFit(this.metrics, this.loss!, this.outputUnits);
    return this.evaluateBatched({ x: xa, y: ya, w: sampleWeightsOf(args.sampleWeight, xa.shape[0], 'sampleWeight', 'evaluate') }, batchSize, 'evaluate');
  }

  /**
   * The error for a non-finite output at inference (evaluate, predict, fit's validation): `op`
   * names the call, `sample` the first sample whose output is not finite.
   */
  private nonFiniteOutput(op: string, sample: number, value: number, outputs: Node[], loss?: number): never {
    const where = this.firstNonFiniteLayer(outputs, false) ?? 'the final activation (applied with the loss)';
    throw new RangeError(`wasmnn: ${op}: the model's output for sample ${sample} is ${value}${loss === undefined ? '' : ` (the loss is ${loss})`}; ` +
      `the first non-finite values appear in ${where}. Check the weights (setWeights, restoreWeights, or a fit that diverged) and the inputs' scale (values near the float32 limit overflow).`);
  }

  /** Loss and metrics over prepared data in inference mode; `op` names the caller in errors. */
  private evaluateBatched({ x: xa, y: ya, w: sw }: Prepared, batchSize: number, op: string): Record<string, number> {
    const n = xa.shape[0];
    if (sw) this.requirePerSampleOutput('sampleWeight');
    const rt = this.rt!;
    const units = this.outputUnits;
    const fused = this.fused();
    const loss = this.loss!;
    let lossSum = 0;
    const probsAll: Float32Array[] = [];   // (rows, units) per batch; rows = samples (x time steps)
    const maskAll: Float32Array[] = [];   // per-row weights of masked per-time-step outputs (else empty)
    const xRow = rowSizeOf(xa), yRow = rowSizeOf(ya);
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      const r = rt.step(() => {
        const g = new Graph(rt, false);
        const x = rt.temp([m, ...xa.shape.slice(1)], xa.data instanceof Int32Array ? 'i32' : 'f32').set(xa.data.subarray(s * xRow, (s + m) * xRow));
        const t = rt.temp([m, ...ya.shape.slice(1)], ya.data instanceof Int32Array ? 'i32' : 'f32').set(ya.data.subarray(s * yRow, (s + m) * yRow));
        const { y, mask, outputs } = this.forward(g, x, { rt, training: false, seed: 0, step: 0, logits: fused });
        const mw = Sequential.maskWeights(y, mask);
        // per-row loss weights: the mask's (per-time-step outputs) or the samples' own
        const rowWeights = mw ?? sw?.subarray(s, s + m) ?? null;
        const lr = lossAndBackward(g, y, t, rowWeights ? rt.temp(y.value.shape.slice(0, -1)).set(rowWeights) : null, loss, fused || !!loss.fromLogits);
        // the probabilities are the output (or its softmax / sigmoid, when fused): one scan of
        // them finds a non-finite output, which would make the loss and the metrics NaN
        const p = lr.probs;
        const bad = firstNonFinite(p);
        if (bad >= 0) this.nonFiniteOutput(op, s + Math.floor(bad / (p.length / m)), p[bad], outputs, lr.loss);
        if (!Number.isFinite(lr.loss)) throw new RangeError(`wasmnn: ${op}: the loss is ${lr.loss} for samples ${s} .. ${s + m - 1} although the outputs are finite; check the targets`);
        return { ...lr, mw };
      });
      lossSum += r.loss * m;
      probsAll.push(r.probs);
      if (r.mw) maskAll.push(r.mw);
    }
    // plus the weight regularizers' penalty, as Keras 3's evaluate and val_loss (tfjs-layers' leave it out)
    const out: Record<string, number> = { loss: lossSum / n + regularizationPenalty(this.store!, false) };
    if (this.metrics.length) {
      const kind = this.classKind();
      const probs = concat(probsAll);
      const mask = maskAll.length ? concat(maskAll) : null;
      // every row's class, unfiltered: AUC and top-k leave the masked rows out themselves
      const all = trueClassesOf(kind, ya.data, units);
      const { truth, pred } = this.unmaskedClasses(kind, all, probs, mask);
      const rep = classReport(truth, pred, classCountOf(kind, units));
      const values: Partial<Record<MetricFamily, number>> = { accuracy: rep.accuracy, precision: rep.macroPrecision, recall: rep.macroRecall, f1: rep.macroF1 };
      const gather = this.metricGather(0);
      if (gather) {
        if (gather.auc) { gather.auc.add(probs, all, mask); values.auc = gather.auc.value(); }
        if (gather.topK) { const t = topKCorrect(probs, all, units, TOP_K, mask); values.topK = t.counted ? t.correct / t.counted : 0; }
      }
      this.putMetricValues(out, values);
    }
    return out;
  }

  /** The model's outputs for x, in batches: { data, shape: [N, ...output] }. */
  predict(x: DataInput, args: PredictArgs = {}): Shaped<Float32Array> {
    this.requireAlive();
    checkOptions('Sequential.predict', args, PREDICT_OPTIONS);
    checkVerbose('predict', args.verbose);
    const batchSize = checkBatchSize('predict', args.batchSize);
    const xa = this.prepareX(x, 'x');
    this.ensureBuilt(xa);
    const rt = this.rt!;
    const n = xa.shape[0];
    const xRow = rowSizeOf(xa);
    let out: Float32Array | null = null;
    let outShape: number[] = [];
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      rt.step(() => {
        const g = new Graph(rt, false);
        const x = rt.temp([m, ...xa.shape.slice(1)], xa.data instanceof Int32Array ? 'i32' : 'f32').set(xa.data.subarray(s * xRow, (s + m) * xRow));
        const { y } = this.forward(g, x, { rt, training: false, seed: 0, step: 0 });
        const rowSize = y.value.size / m;
        if (!out) { out = new Float32Array(n * rowSize); outShape = [n, ...y.value.shape.slice(1)]; }
        // NaN and infinities are returned as they are, as Keras does: one overflowing sample must not
        // cost a bulk prediction every other result, and the values say what happened. evaluate()
        // and the classifiers, whose accuracy or labels would be silently wrong, refuse them.
        out.set(y.value.f32(), s * rowSize);
      });
    }
    return { data: out!, shape: outShape };
  }

  /** Layers, output shapes and parameter counts, as Keras prints them. Returns the text (and prints it unless print is false). */
  summary(print = true): string {
    const layers = this.store ? this.layers : this.plannedLayers();
    const rows = layers.map((l) => [`${l.name} (${l.className})`, fmtLayerShape(l.outputShape!), String(l.countParams())]);
    const head = ['Layer (type)', 'Output Shape', 'Param #'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
    const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('');
    const total = layers.reduce((s, l) => s + l.countParams(), 0);
    const trainable = layers.flatMap((l) => l.weights).filter((x) => x.trainable).reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
    const bar = '_'.repeat(w.reduce((a, b) => a + b, 0));
    const text = [`Model: "${this.name}"`, bar, line(head), '='.repeat(bar.length), ...rows.flatMap((r) => [line(r), bar]),
      `Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`].join('\n');
    if (print) console.log(text);
    return text;
  }

  /**
   * The layers as build() would make them, for a model not built yet whose first layer declares its
   * inputShape (Keras can summarise such a model before any data): copies of the layers, named and
   * built for that shape, with no memory allocated and no weights drawn, so a summary() never
   * changes what a later build (seeded by fit's seed, say) makes.
   */
  private plannedLayers(): Layer[] {
    const declared = this.layers[0]?.inputShape;
    if (!declared || this.disposed) throw new Error('wasmnn: the model is not built yet: call fit, predict or build(inputShape) first, or give its first layer an inputShape');
    // an unnamed layer's config has name '' (which a constructor refuses): leave it out to copy it
    const named = (c: Record<string, unknown>): Record<string, unknown> => {
      const { name, layer, ...rest } = c;
      const inner = layer as { className: string; config: Record<string, unknown> } | undefined;
      return { ...rest, ...(name ? { name } : {}), ...(inner ? { layer: { className: inner.className, config: named(inner.config) } } : {}) };
    };
    const copies = this.layers.map((l) => layerFromConfig(l.className, named(l.getConfig())));
    nameLayers(copies);
    let shape = modelInputShape(copies, declared);
    for (const l of copies) shape = l.build(shape);
    return copies;
  }

  countParams(): number { return this.layers.reduce((s, l) => s + l.countParams(), 0); }

  snapshotWeights(): Float32Array { return this.requireStore().snapshot(); }
  restoreWeights(s: Float32Array): void { this.requireStore().restore(s); }
  getWeights() { return this.requireStore().getWeights(); }
  /**
   * Sets weights by name ({ name, values }[], as getWeights returns), or all of them by position as
   * Keras and tfjs do (one array per weight in getWeights() order, flat or nested as the weight's
   * shape); every entry is checked before any is written.
   */
  setWeights(ws: ({ name: string; values: ArrayLike<number> } | WeightArray)[]): void { this.requireStore().setWeights(ws); }

  private requireStore(): ParamStore {
    if (!this.store) throw new Error('wasmnn: the model is not built yet: call fit, predict or build(inputShape) first');
    return this.store;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }

  /** Frees the weights and optimizer state. */
  dispose(): void {
    // the running fit would go on with freed weights
    this.requireNotFitting('dispose');
    if (this.optimizer) { this.optimizer.release(); optimizerOwners.delete(this.optimizer); }
    this.store?.free();
    this.store = null;
    this.disposed = true;
    // the layers go back unbuilt (their weights were freed with the store): another model may take them
    for (const l of this.layers) {
      if (layerOwners.get(l) === this) { l.resetBuild(); layerOwners.delete(l); }
    }
  }
}

/** Per-sample loss weights (`name` in `op`'s options) as float32, one finite weight >= 0 per sample, or null when not given. */
function sampleWeightsOf(sw: unknown, samples: number, name = 'sampleWeight', op = 'fit'): Float32Array | null {
  if (sw === undefined || sw === null) return null;
  if (!(Array.isArray(sw) || (ArrayBuffer.isView(sw) && !(sw instanceof DataView) && !(sw instanceof BigInt64Array) && !(sw instanceof BigUint64Array)))) {
    throw new TypeError(`wasmnn: ${op}: ${name} must be an array or typed array of one weight per sample, got ${describe(sw)}`);
  }
  const a = sw as ArrayLike<unknown>;
  if (a.length !== samples) throw new RangeError(`wasmnn: ${op}: ${name} has ${a.length} weights for ${samples} samples; give one per sample`);
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`wasmnn: ${op}: ${name}[${i}] is ${describe(v)}; weights must be finite numbers >= 0`);
    out[i] = v;
  }
  return out;
}

/**
 * classWeight as a plain object of class index -> weight: a plain object as it is, an array of
 * weights by class ([1, 5], as tfjs takes), a Map of class -> weight; undefined or null for none.
 * Its keys are checked against the classes once the model is built (classesForWeights()).
 */
function classWeightObject(cw: unknown): Record<string, number> | undefined {
  if (cw === undefined || cw === null) return undefined;
  if (Array.isArray(cw)) return Object.fromEntries(cw.map((w, i) => [String(i), w]));
  if (cw instanceof Map) return Object.fromEntries([...cw].map(([k, w]) => [String(k), w]));
  const proto = typeof cw === 'object' ? Object.getPrototypeOf(cw) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`wasmnn: fit: classWeight must map class indices to weights: a plain object such as { 0: 1, 1: 5 }, an array of weights by class, or a Map; got ${describe(cw)}`);
  }
  return cw as Record<string, number>;
}

/** Two sample shapes of one rank that agree wherever both are known (null: any size). */
function shapesAgree(a: LayerShape, b: LayerShape): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/** Keras' default names for the unnamed layers (dense, dense_1, global_max_pooling1d, ...). */
function nameLayers(layers: readonly Layer[]): void {
  const used = new Map<string, number>();
  for (const l of layers) {
    const base = l.name || snake(l.className);
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    if (!l.name) l.name = n ? `${base}_${n}` : base;
  }
}

/** Keras' default layer names: 'LayerNormalization' -> 'layer_normalization', 'Conv1D' -> 'conv1d', 'LSTM' -> 'lstm'. */
function snake(s: string): string { return s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase(); }

/** A batch size option: default 32, else a whole number >= 1. */
function checkBatchSize(op: string, v: unknown): number {
  if (v === undefined) return 32;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`wasmnn: ${op}: batchSize must be a whole number >= 1, got ${String(v)}`);
  return v;
}

function sliceRows(b: Batchable, from: number, to: number): Batchable {
  const r = rowSizeOf(b);
  return { data: b.data.subarray(from * r, to * r) as any, shape: [to - from, ...b.shape.slice(1)] };
}

function splitTail(x: Batchable, y: Batchable, at: number): [Batchable, Prepared] {
  const n = x.shape[0];
  return [sliceRows(x, 0, at), { x: sliceRows(x, at, n), y: sliceRows(y, at, n) }];
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
