// The layer base class: Keras' shape. A layer declares its weights in build(), computes in
// call() by recording ops on the step's Graph, and describes itself in getConfig() (what the
// model file stores). Masks (B, T) of 0/1 flow from Embedding(maskZero) to the layers that use
// them, as in Keras.
import type { Graph, Node, Param } from '../autograd.js';
import type { Initializer } from '../initializers.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import { describe, type OptionNames } from '../options.js';
import { layerOptionRule } from '../io/checks.js';
import { regularizerFrom, type Regularizer, type RegularizerOption } from '../regularizers.js';

/** A shape without the batch dimension; null where it varies (e.g. the sequence length). */
export type LayerShape = (number | null)[];

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one input sample, without the batch dimension (Keras' inputShape). */
  inputShape?: LayerShape;
}

/**
 * The options every layer takes (LayerArgs), to spread into a layer's own list for checkOptions:
 * `optionNames<DenseArgs>({ units: true, ..., ...LAYER_ARGS })`. They are also what getConfig()
 * writes for every layer and a model file passes back.
 */
export const LAYER_ARGS: OptionNames<LayerArgs> = { name: true, trainable: true, inputShape: true };

export interface CallContext {
  rt: Runtime;
  training: boolean;
  /** Per-step seed material for dropout: (seed, step) make every step's masks different. */
  seed: number;
  step: number;
  /** Asks the last layer for logits, before its softmax or sigmoid: the loss applies that link itself (fused). */
  logits?: boolean;
  /**
   * Inference, Embedding only: the next layer is a recurrent one, which reads the output through
   * embeddingSource() (the folded projection) and fills it itself if it needs the values, so the
   * gather is left to it (Sequential sets this).
   */
  deferOutput?: boolean;
}

export interface Output { y: Node; mask: Tensor | null }

/**
 * A weight as the layer declares it; the model binds `param` when it allocates its slab.
 * `trainable` is the layer's trainable flag and the weight's own (declared) one together, as the
 * slab was laid out; Sequential.compile re-lays the slab when a layer's flag has changed since.
 */
export class Weight {
  param: Param | null = null;
  trainable: boolean;
  /** Its L1 / L2 penalty (the layer's `<weight>Regularizer` option), or null. */
  regularizer: Regularizer | null = null;
  constructor(
    readonly name: string,
    readonly shape: number[],
    readonly initializer: Initializer,
    /** Whether the layer declared this weight trainable (before the layer's own flag). */
    readonly declaredTrainable: boolean,
    /** The layer that holds it (whose `trainable` flag counts too; a wrapper's, for wrapped layers). */
    public layer: { trainable: boolean } | null = null,
  ) {
    this.trainable = this.wantsTraining();
  }
  /** Whether the weight should train now: declared trainable and its layer trainable. */
  wantsTraining(): boolean { return this.declaredTrainable && (this.layer?.trainable ?? true); }
  get p(): Param {
    if (!this.param) throw new Error(`wasmnn: weight ${this.name} is not allocated yet: build the model first (compile, fit or predict)`);
    return this.param;
  }
}

/** A layer's regularizer options (those its weights have): kernelRegularizer regularizes the weight 'kernel', and so on. */
export interface RegularizerArgs {
  kernelRegularizer?: RegularizerOption;
  biasRegularizer?: RegularizerOption;
  recurrentRegularizer?: RegularizerOption;
  embeddingsRegularizer?: RegularizerOption;
  gammaRegularizer?: RegularizerOption;
  betaRegularizer?: RegularizerOption;
  /** Not supported (tfjs-layers 4.22 refuses it too): an error names the fix. */
  activityRegularizer?: never;
}

/** Each regularizer option and the weight it applies to. */
const REGULARIZED_WEIGHT: Record<string, string> = {
  kernelRegularizer: 'kernel', biasRegularizer: 'bias', recurrentRegularizer: 'recurrent_kernel', embeddingsRegularizer: 'embeddings',
  gammaRegularizer: 'gamma', betaRegularizer: 'beta',
};

/** The option names of the regularizers of the weights listed, for a layer's checkOptions list. */
export function regularizerOptions<K extends keyof RegularizerArgs>(...keys: K[]): { [k in K]: true } {
  return Object.fromEntries(keys.map((k) => [k, true])) as { [k in K]: true };
}

export abstract class Layer {
  /** Registry key and the class name in configs and the model file. */
  abstract readonly className: string;
  name: string;
  trainable: boolean;
  readonly inputShape?: LayerShape;
  readonly weights: Weight[] = [];
  built = false;
  outputShape: LayerShape | null = null;
  /** The regularizer options given (checked; a config writes them as { l1, l2 }), by option name. */
  readonly regularizers: Record<string, Regularizer> = {};

  /** kind: the class name for error messages (className is not set yet while this runs). */
  constructor(args: LayerArgs = {}, kind = 'Layer') {
    this.name = args.name ?? '';
    this.trainable = args.trainable ?? true;
    this.inputShape = args.inputShape;
    // the subclass's checkOptions has run (in its super() call): only its own regularizer options get here
    for (const [k, v] of Object.entries(args ?? {})) {
      if (!k.endsWith('Regularizer')) continue;
      if (k === 'activityRegularizer') {
        if (v === undefined || v === null) continue;
        throw new RangeError(`wasmnn: ${kind}: activityRegularizer (a penalty on the layer's output) is not supported, as in tfjs-layers; leave it out, and regularize the weights (kernelRegularizer) instead`);
      }
      const r = regularizerFrom(`${kind}: ${k}`, v);
      if (r) this.regularizers[k] = r;
    }
  }

  /** Declares the weights for this input shape; returns the output shape. */
  build(inputShape: LayerShape): LayerShape {
    this.outputShape = this.computeOutputShape(inputShape);
    this.built = true;
    return this.outputShape;
  }

  abstract computeOutputShape(inputShape: LayerShape): LayerShape;

  /** Records the forward (and its backward) on g. */
  abstract call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output;

  /** Constructor arguments that rebuild this layer (JSON). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name };
    if (!this.trainable) c.trainable = false;
    if (this.inputShape) c.inputShape = this.inputShape;
    for (const [k, r] of Object.entries(this.regularizers)) c[k] = { ...r };
    return c;
  }

  protected addWeight(name: string, shape: number[], initializer: Initializer, trainable = true): Weight {
    const w = new Weight(`${this.name}/${name}`, shape, initializer, trainable, this);
    for (const [k, r] of Object.entries(this.regularizers)) if (REGULARIZED_WEIGHT[k] === name) w.regularizer = r;
    this.weights.push(w);
    return w;
  }

  /** Forgets a build (weights, output shape), e.g. after a build that failed part way. */
  resetBuild(): void {
    this.weights.length = 0;
    this.built = false;
    this.outputShape = null;
  }

  countParams(): number {
    return this.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  /**
   * Whether, at inference, this layer reads an Embedding's output only through embeddingSource()
   * and fills it itself when it needs the values (the recurrent layers): the Embedding before it
   * may then skip its gather (CallContext.deferOutput).
   */
  fillsEmbeddingOutput(): boolean { return false; }
}

export function positiveInt(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new (typeof v === 'number' ? RangeError : TypeError)(`wasmnn: ${layer}: ${name} must be a whole number >= 1, got ${shown(v)}`);
  }
  return v;
}

/**
 * A value as an error message shows it, with its type where the text alone would hide it: units
 * '4' shows as "4" (a string), kernelSize [3] as [3] (an array), not as the number 4 or 3.
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return `${describe(v)} (a string)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (Array.isArray(v)) {
    let json: string | undefined;
    try { json = JSON.stringify(v); } catch { json = undefined; }
    return json !== undefined && json.length <= 60 ? `${json} (an array)` : describe(v);
  }
  return describe(v);
}

/**
 * Checks every option a layer's config stores (the shared ones and the class's own) with the rule
 * the model-file loader applies to it (src/io/checks.ts, one set of rules), so a layer the
 * constructor accepts also saves and loads again, and a truthy non-boolean such as
 * returnSequences: 'false' is refused instead of silently meaning true. undefined and null are
 * "not given": the constructors fall back to the default for both. Runs after a constructor's own
 * checks (which keep their more specific messages) and returns args unchanged.
 */
export function checkLayerArgs<T>(className: string, args: T): T {
  if (!args || typeof args !== 'object') return args;
  for (const [k, v] of Object.entries(args)) {
    // the regularizers: checked by the Layer constructor (a name or { l1, l2 }; the file stores { l1, l2 })
    if (v === undefined || v === null || k.endsWith('Regularizer')) continue;
    const check = layerOptionRule(className, k);
    const problem = check?.(v);
    if (!check || !problem) continue;
    const wrongType = check.takes === 'array' ? !Array.isArray(v) : typeof v !== check.takes;
    throw new (wrongType ? TypeError : RangeError)(`wasmnn: ${className}: ${k} ${problem}, got ${shown(v)}`);
  }
  return args;
}

/**
 * The size of the last axis of a layer's samples (its features, or a sequence's features per
 * step): known and >= 1, else an error that says what the samples were. Scalar samples come from
 * a 1-D input (a flat Float64Array, a list of numbers), which has no feature axis at all.
 */
export function featureDim(layer: Layer, s: LayerShape): number {
  const who = `${layer.className}${layer.name ? ` ${layer.name}` : ''}`;
  if (s.length === 0) {
    throw new RangeError(`wasmnn: ${who}: the input is 1-D (${layer.className} got samples that are single numbers), but it needs samples with features on their last axis; ` +
      'pass a 2-D input of (samples, features): an array of rows such as [[1, 2], [3, 4]], or { data, shape: [samples, features] }');
  }
  const d = s[s.length - 1];
  if (d === null || d === undefined) throw new RangeError(`wasmnn: ${who}: the last input dimension must be known, got samples of shape ${fmtLayerShape(s)}; give the input a fixed size there (a layer inputShape, or build(inputShape))`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`wasmnn: ${who}: the last input dimension must be >= 1, got ${d} (samples of shape ${fmtLayerShape(s)}); each sample needs at least one feature`);
  return d;
}

/**
 * Why samples of shape s are not sequences (steps, features), for the layers that take them
 * (recurrent, Conv1D): what the rank means and what to pass instead. The shape a layer sees comes
 * after the layers before it (an Embedding adds the feature axis), so the message says that
 * rather than leave the user with a shape they never passed.
 */
export function sequenceHint(s: LayerShape): string {
  if (s.length > 2) {
    return `: samples of rank ${s.length} where it takes (steps, features); an Embedding adds the feature axis to the ids it gets, ` +
      'so a model that starts with one takes ids of shape (samples, steps): one row of ids per sample';
  }
  return `: samples of rank ${s.length} where it takes (steps, features); put an Embedding before it for rows of ids, pass float input of shape (samples, steps, features), ` +
    'or give the recurrent layer before it returnSequences: true';
}

export function fmtLayerShape(s: LayerShape): string {
  return `(None, ${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;
}
