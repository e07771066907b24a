// Embedding: integer ids (B, T) -> vectors (B, T, outputDim). With maskZero, id 0 is padding and
// the layer emits a (B, T) mask of 0/1 for the layers after it (Keras' mask_zero).
// The gradient of the table is row-sparse: the backward writes only the rows the batch uses (see
// Graph.addRowGrad), and optimizers whose update of a zero gradient is the identity (SGD, Adagrad)
// update only those rows. `sparse: true` extends that to Adam, RMSprop and momentum as lazy
// updates (see src/optimizers/optimizers.ts).
// At inference the output remembers the ids and table it came from (embeddingSource), so a
// recurrent layer right after can take its input projection from a folded table instead
// (src/folded_projection.ts); then (ctx.deferOutput) the gather itself is skipped, and the
// recurrent layer calls the source's fill() only when it cannot use the table.
import type { Graph, Node, Param } from '../autograd.js';
import { embedding, embeddingRowsBackward } from '../kernels/embedding.js';
import { checkInitializer, type Initializer } from '../initializers.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, regularizerOptions, type RegularizerArgs, positiveInt, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface EmbeddingArgs extends LayerArgs, Pick<RegularizerArgs, 'embeddingsRegularizer' | 'activityRegularizer'> {
  inputDim: number;
  outputDim: number;
  maskZero?: boolean;
  embeddingsInitializer?: Initializer;
  /**
   * Row-sparse (lazy) optimizer updates of the table also for optimizers where they are not exact
   * (Adam, AdamW, RMSprop, SGD with momentum or weight decay): rows a batch does not use keep their
   * weights and optimizer moments that step (TensorFlow's LazyAdam, PyTorch's SparseAdam) instead
   * of decaying. Faster for big tables; trains slightly differently. Default false: row-sparse
   * updates only where exact (SGD, Adagrad).
   */
  sparse?: boolean;
}

const EMBEDDING_OPTIONS = optionNames<EmbeddingArgs>({ inputDim: true, outputDim: true, maskZero: true, embeddingsInitializer: true, sparse: true,
  ...regularizerOptions('embeddingsRegularizer', 'activityRegularizer'), ...LAYER_ARGS });

/** What an inference-mode Embedding output was gathered from: out = table[ids]. */
export interface EmbeddingSource {
  ids: Tensor;
  table: Param;
  /** Writes out = table[ids] if the layer deferred it (ctx.deferOutput); a no-op after the first call. */
  fill(): void;
}

const sources = new WeakMap<Node, EmbeddingSource>();

/** The ids and table x was gathered from, when x is the output of an Embedding at inference. */
export function embeddingSource(x: Node): EmbeddingSource | undefined { return sources.get(x); }

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly sparse: boolean;
  private readonly init: Initializer;
  embeddings!: Weight;

  constructor(args: EmbeddingArgs) {
    super(checkOptions('Embedding', args, EMBEDDING_OPTIONS), 'Embedding');
    this.inputDim = positiveInt('Embedding', 'inputDim', args?.inputDim);
    this.outputDim = positiveInt('Embedding', 'outputDim', args.outputDim);
    this.sparse = sparseArg('Embedding', args.sparse);
    checkLayerArgs('Embedding', args);
    this.maskZero = args.maskZero ?? false;
    this.init = checkInitializer('Embedding', 'embeddingsInitializer', args.embeddingsInitializer) ?? 'uniform';
  }

  computeOutputShape(s: LayerShape): LayerShape { return [...s, this.outputDim]; }

  build(s: LayerShape): LayerShape {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.init);
    return super.build(s);
  }

  call(g: Graph, x: Node, _mask: Tensor | null, ctx: CallContext): Output {
    const rt = g.rt;
    const ids = x.value;
    if (ids.dtype !== 'i32') throw new TypeError(`wasmnn: Embedding ${this.name}: inputs must be integer token ids (Int32Array), got ${ids.dtype}`);
    const table = g.param(this.embeddings.p);
    const out = rt.temp([...ids.shape, this.outputDim]);
    let filled = g.training || !ctx.deferOutput;
    const fill = () => { if (!filled) { filled = true; embedding(rt, table.value, ids, out); } };
    if (filled) embedding(rt, table.value, ids, out);
    const y = g.result(out, [table], this.name);
    if (!g.training) sources.set(y, { ids, table, fill });
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addRowGrad(table, this.outputDim, this.sparse, (dst, accumulate) => embeddingRowsBackward(rt, ids, dy, dst, { accumulate }));
    });
    let mask: Tensor | null = null;
    if (this.maskZero) {
      mask = rt.temp(ids.shape);
      const m = mask.f32(), v = ids.i32();
      for (let i = 0; i < v.length; i++) m[i] = v[i] === 0 ? 0 : 1;
    }
    return { y, mask };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero };
    if (this.sparse) c.sparse = true;
    return c;
  }
}

/** The `sparse` option of the embedding layers: a boolean, default false. */
export function sparseArg(layer: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`wasmnn: ${layer}: sparse must be true or false, got ${shown(v)}`);
  return v;
}

