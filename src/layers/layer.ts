// The layer base class: Keras' shape. A layer declares its weights in build(), computes in
// call() by recording ops on the step's Graph, and describes itself in getConfig() (what the
// model file stores). Masks (B, T) of 0/1 flow from Embedding(maskZero) to the layers that use
// them, as in Keras.
import type { Graph, Node, Param } from '../autograd.js';
import type { Initializer } from '../initializers.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { OptionNames } from '../options.js';

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

export abstract class Layer {
  /** Registry key and the class name in configs and the model file. */
  abstract readonly className: string;
  name: string;
  trainable: boolean;
  readonly inputShape?: LayerShape;
  readonly weights: Weight[] = [];
  built = false;
  outputShape: LayerShape | null = null;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? '';
    this.trainable = args.trainable ?? true;
    this.inputShape = args.inputShape;
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
    return c;
  }

  protected addWeight(name: string, shape: number[], initializer: Initializer, trainable = true): Weight {
    const w = new Weight(`${this.name}/${name}`, shape, initializer, trainable, this);
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
    throw new RangeError(`wasmnn: ${layer}: ${name} must be a whole number >= 1, got ${String(v)}`);
  }
  return v;
}

export function fmtLayerShape(s: LayerShape): string {
  return `(None, ${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;
}
