// Embedding: integer ids (B, T) -> vectors (B, T, outputDim). With maskZero, id 0 is padding and
// the layer emits a (B, T) mask of 0/1 for the layers after it (Keras' mask_zero).
import type { Graph, Node } from '../autograd.js';
import { embedding, embeddingBackward } from '../kernels/embedding.js';
import type { Initializer } from '../initializers.js';
import { Layer, Weight, positiveInt, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import type { Tensor } from '../tensor.js';

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  maskZero?: boolean;
  embeddingsInitializer?: Initializer;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  private readonly init: Initializer;
  embeddings!: Weight;

  constructor(args: EmbeddingArgs) {
    super(args);
    this.inputDim = positiveInt('Embedding', 'inputDim', args?.inputDim);
    this.outputDim = positiveInt('Embedding', 'outputDim', args.outputDim);
    this.maskZero = args.maskZero ?? false;
    this.init = args.embeddingsInitializer ?? 'uniform';
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
    embedding(rt, table.value, ids, out);
    const y = g.result(out, [table], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGrad(table, (dst, acc) => {
        if (!acc) dst.fill(0);
        embeddingBackward(rt, ids, dy, dst);
      });
    });
    let mask: Tensor | null = null;
    if (this.maskZero) {
      mask = rt.temp(ids.shape);
      const m = mask.f32(), v = ids.i32();
      for (let i = 0; i < v.length; i++) m[i] = v[i] === 0 ? 0 : 1;
    }
    void ctx;
    return { y, mask };
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero };
  }
}

