// EmbeddingBag: the mean (or sum) of the embeddings of each sample's ids, skipping id 0 (padding).
// Input (B, L) of token / hashed n-gram ids padded with 0; output (B, outputDim). The fastText-style
// bag model is TextVectorizer (bag mode) -> EmbeddingBag -> Dense. One kernel call per batch: no
// (B, L, dim) intermediate. Its table gradient is row-sparse, as Embedding's (see there for `sparse`).
import type { Graph, Node } from '../autograd.js';
import { bagsFromPadded, embeddingBag, embeddingBagRowsBackward, type EmbeddingBagMode } from '../kernels/embedding.js';
import { sparseArg } from './embedding.js';
import { checkInitializer, type Initializer } from '../initializers.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, positiveInt, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface EmbeddingBagArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  mode?: EmbeddingBagMode;
  embeddingsInitializer?: Initializer;
  /** Lazy row-sparse updates also for Adam, RMSprop and momentum (see EmbeddingArgs.sparse). Default false. */
  sparse?: boolean;
}

const EMBEDDING_BAG_OPTIONS = optionNames<EmbeddingBagArgs>({ inputDim: true, outputDim: true, mode: true, embeddingsInitializer: true, sparse: true, ...LAYER_ARGS });

export class EmbeddingBag extends Layer {
  readonly className = 'EmbeddingBag';
  /** Sequential feeds it integer ids. */
  readonly takesIds = true;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly mode: EmbeddingBagMode;
  readonly sparse: boolean;
  private readonly init: Initializer;
  embeddings!: Weight;

  constructor(args: EmbeddingBagArgs) {
    super(checkOptions('EmbeddingBag', args, EMBEDDING_BAG_OPTIONS));
    this.inputDim = positiveInt('EmbeddingBag', 'inputDim', args?.inputDim);
    this.outputDim = positiveInt('EmbeddingBag', 'outputDim', args.outputDim);
    this.mode = args.mode ?? 'mean';
    if (this.mode !== 'mean' && this.mode !== 'sum') throw new RangeError(`wasmnn: EmbeddingBag: mode must be 'mean' or 'sum', got ${shown(this.mode)}`);
    this.sparse = sparseArg('EmbeddingBag', args.sparse);
    checkLayerArgs('EmbeddingBag', args);
    this.init = checkInitializer('EmbeddingBag', 'embeddingsInitializer', args.embeddingsInitializer) ?? 'uniform';
  }

  computeOutputShape(s: LayerShape): LayerShape { return [...s.slice(0, -1), this.outputDim]; }

  build(s: LayerShape): LayerShape {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.init);
    return super.build(s);
  }

  call(g: Graph, x: Node, _mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt;
    const padded = x.value;
    if (padded.dtype !== 'i32' || padded.rank !== 2) {
      throw new TypeError(`wasmnn: EmbeddingBag ${this.name}: inputs must be integer ids of shape (batch, length), got ${padded.dtype} of rank ${padded.rank}`);
    }
    const B = padded.shape[0];
    const { ids, offsets } = bagsFromPadded(rt, padded);   // the non-padding ids of every sample
    const table = g.param(this.embeddings.p);
    const out = rt.temp([B, this.outputDim]);
    embeddingBag(rt, table.value, ids, offsets, out, { mode: this.mode });
    const y = g.result(out, [table], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addRowGrad(table, this.outputDim, this.sparse, (dst, accumulate) => embeddingBagRowsBackward(rt, ids, offsets, dy, dst, { mode: this.mode, accumulate }));
    });
    return { y, mask: null };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, mode: this.mode };
    if (this.sparse) c.sparse = true;
    return c;
  }
}
