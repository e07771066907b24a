// InferenceModel: a Sequential model's forward pass, and nothing else, rebuilt from the model
// file's config and weights. It calls the same kernels with the same arguments as the layers'
// call() in Sequential.predict, so its outputs equal Sequential.predict bit for bit, but it pulls
// in no autograd, losses, optimizers, initialisers or backward kernels: the inference bundle
// (wasmnn/infer) stays small. As in the layers, an LSTM/GRU/SimpleRNN right after an Embedding takes its
// input projection from the folded table of src/folded_projection.ts (the same bits).
import { gemm } from '../kernels/gemm.js';
import { unaryForward } from '../kernels/unary.js';
import { softmax } from '../kernels/softmax_xent.js';
import { bagsFromPadded, embedding, embeddingBag } from '../kernels/embedding.js';
import { lstmSequence } from '../kernels/lstm.js';
import { gruSequence } from '../kernels/gru.js';
import { simpleRnnSequence } from '../kernels/simple_rnn.js';
import { conv1d, conv1dOutputLength } from '../kernels/conv1d.js';
import { avgPool1d, globalAvgPool1d, globalMaxPool1d, maxPool1d, pool1dGeometry, type Pool1dOptions } from '../kernels/pool.js';
import { layerNorm } from '../kernels/norm.js';
import { binaryForward } from '../kernels/binary.js';
import { FoldedProjection, foldFits } from '../folded_projection.js';
import { ACTIVATIONS, RECURRENT_LAYERS, recurrentSublayerName, unaryOpOf, type Activation } from '../activation_names.js';
import { Tensor, type Shape } from '../tensor.js';
import { fileError } from '../io/checks.js';
import { describe } from '../options.js';
import type { Runtime } from '../runtime/runtime.js';

/** One layer as the model file stores it: `{ className, config }` (config is its getConfig()). */
export interface LayerSpec { className: string; config: Record<string, any> }

/** The `model` metadata entry of a .wnn file. */
export interface ModelSpec { className: 'Sequential'; config: { name?: string; layers: LayerSpec[] }; inputShape?: (number | null)[] }

/** A weight by name (e.g. `lstm/kernel`), as decoded from the file. */
export interface WeightIn { shape: number[]; data: Float32Array }

/**
 * source: x = table[ids], when x is an Embedding's output (for the folded projection); when the
 * next layer is recurrent the Embedding leaves x unwritten and that layer calls fill() only if it
 * needs the values (as the layers: CallContext.deferOutput).
 */
type Flow = { x: Tensor; mask: Tensor | null; source?: { ids: Tensor; table: Tensor; fill(): void } };
type Forward = (rt: Runtime, f: Flow) => Flow;

/** A file this reader cannot use: a WnnFormatError, as the full loader's. */
const fail = (what: string, fix = "save the model again with this version of wasmnn, or load it with the full library (import 'wasmnn')"): never => fileError(what, fix);

function reshape(t: Tensor, shape: Shape): Tensor {
  return t.view(shape);
}

function as2d(t: Tensor): Tensor {
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  return reshape(t, [cols === 0 ? 0 : t.size / cols, cols]);
}

/** A file's activation: one of the canonical names (a file holds no aliases). */
function activationOf(layer: string, a: unknown): Activation {
  const act = a ?? 'linear';
  if (!(ACTIVATIONS as readonly unknown[]).includes(act)) fail(`${layer}: unknown activation '${String(a)}'`);
  return act as Activation;
}

/** y = a(z) for activations a GEMM or conv epilogue did not apply (as layers/activations.ts). */
function applyAfter(rt: Runtime, a: Activation, z: Tensor, y: Tensor): void {
  if (a === 'softmax') softmax(rt, z, y);
  else if (a === 'linear') y.set(z.f32());
  else unaryForward(rt, unaryOpOf(a), z, y);
}

/**
 * The sample shape (no batch axis; null where it varies) a layer turns s into, as its
 * computeOutputShape does; null when s is not known. Only Flatten reads it (it needs every dimension).
 */
function sampleShapeAfter({ className, config: c }: LayerSpec, s: readonly (number | null)[] | null): (number | null)[] | null {
  if (!s) return null;
  const steps = s.length ? s[0] : null;
  switch (className) {
    case 'Embedding': return [...s, c.outputDim];
    case 'EmbeddingBag': return [c.outputDim];
    case 'Dense': return [...s.slice(0, -1), c.units];
    case 'LSTM': case 'GRU': case 'SimpleRNN': return c.returnSequences ? [steps, c.units] : [c.units];
    case 'Bidirectional': {
      const inner = (c.layer as LayerSpec | undefined)?.config ?? {};
      const units = (c.mergeMode ?? 'concat') === 'concat' ? 2 * inner.units : inner.units;
      return inner.returnSequences ? [steps, units] : [units];
    }
    case 'Conv1D': return [steps === null ? null : conv1dOutputLength(steps, c.kernelSize, c.strides ?? 1, c.dilationRate ?? 1, c.padding ?? 'valid'), c.filters];
    case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D': return [s[s.length - 1]];
    case 'MaxPooling1D': case 'AveragePooling1D': return [steps === null ? null : poolLength(className, steps, poolOptions(c)), ...s.slice(1)];
    case 'LayerNormalization': case 'Dropout': case 'SpatialDropout1D': case 'Activation': return [...s];
    case 'Flatten': return s.some((d) => d === null) ? null : [(s as number[]).reduce((a, b) => a * b, 1)];
    default: return null;
  }
}

/** A pooling layer's options from its config (as the layer's defaults). */
function poolOptions(c: Record<string, any>): Pool1dOptions {
  const poolSize = c.poolSize ?? 2;
  return { poolSize, strides: c.strides ?? poolSize, padding: c.padding ?? 'valid' };
}

/** The number of windows over T steps; a file whose windows do not fit its samples is refused, as the full loader's build does. */
function poolLength(who: string, T: number, o: Pool1dOptions): number {
  try { return pool1dGeometry(who, T, o).Tout; } catch (e) { return fail(`${who}: ${(e as Error).message.replace(/^wasmnn: [^:]*: /, '')}`); }
}

export class InferenceModel {
  private readonly forwards: Forward[];
  /** Input vocabulary size of an Embedding / EmbeddingBag first layer (ids are checked against it). */
  private readonly firstInputDim: number | null;
  /** The recurrent layers' folded embedding projections (made on first use; the weights never change). */
  private readonly folds: FoldedProjection[] = [];
  /** Weights the layers took (w()); any other is no weight of the model. */
  private readonly used = new Set<string>();
  /**
   * While the layers are built: the feature width the next layer receives (null: not known yet, the
   * first layer's weight says it). The weights' input dimensions are checked against it, as the full
   * loader's build does: a file whose layers do not chain is refused at load, not at predict.
   */
  private width: number | null = null;
  /** The samples' shape the model takes (the file's inputShape; null entries are any size). */
  private readonly sampleShape: readonly (number | null)[] | null;
  /** While the layers are built: the sample shape the next layer receives (null where unknown), for Flatten. */
  private dims: readonly (number | null)[] | null;
  private closed = false;
  /** Output classes: the width of the last layer's outputs (a Dense's units, past any Dropout or Activation). */
  readonly outputUnits: number;

  private constructor(
    readonly rt: Runtime,
    readonly spec: ModelSpec,
    private readonly weights: Map<string, Tensor>,
  ) {
    const layers = spec.config.layers;
    const first0 = layers[0];
    this.sampleShape = (first0.config.inputShape as (number | null)[] | undefined) ?? spec.inputShape ?? null;
    const ids = first0.className === 'Embedding' || first0.className === 'EmbeddingBag';
    this.width = ids || !this.sampleShape?.length ? null : this.sampleShape[this.sampleShape.length - 1];
    this.dims = this.sampleShape;
    // an Embedding right before a recurrent layer (which reads it through the folded table) need not gather
    const readsSource = (l: LayerSpec | undefined) => !!l && (RECURRENT_LAYERS.has(l.className) || l.className === 'Bidirectional');
    this.forwards = layers.map((l, i) => {
      const f = l.className === 'Embedding' ? this.embedding(String(l.config.name), l.config, readsSource(layers[i + 1])) : this.layer(l);
      this.dims = sampleShapeAfter(l, this.dims);
      return f;
    });
    for (const n of weights.keys()) {
      if (!this.used.has(n)) fileError(`the file has a tensor '${n.slice(0, 100)}' that is not a weight of the model`);
    }
    this.outputUnits = this.width ?? Number(layers[layers.length - 1].config.units ?? 0);
    const first = spec.config.layers[0];
    this.firstInputDim = first.className === 'Embedding' || first.className === 'EmbeddingBag' ? first.config.inputDim : null;
  }

  /** Copies the weights into the runtime's heap; checks every layer's weights are there with their shapes. */
  static create(rt: Runtime, spec: ModelSpec, weights: Map<string, WeightIn>): InferenceModel {
    if (!spec || spec.className !== 'Sequential' || !Array.isArray(spec.config?.layers) || spec.config.layers.length === 0) {
      fail('the model entry is not a Sequential model with layers');
    }
    if (!(weights instanceof Map)) throw new TypeError('wasmnn: InferenceModel.create: weights must be a Map from weight names to { shape, data }, as decodeWnnForInference returns them');
    const heap = new Map<string, Tensor>();
    for (const [name, w] of weights) heap.set(name, rt.fromArray(w.data, w.shape));
    try {
      return new InferenceModel(rt, spec, heap);
    } catch (e) {
      for (const t of heap.values()) rt.free(t);
      throw e;
    }
  }

  /** The weight `layer/name`; checks its shape against what the config says (null: any size). */
  private w(layer: string, name: string, shape: (number | null)[]): Tensor {
    const t = this.weights.get(`${layer}/${name}`);
    if (!t) fileError(`the model file has no weight '${layer}/${name}'`);
    this.used.add(`${layer}/${name}`);
    if (t.shape.length !== shape.length || shape.some((d, i) => d !== null && d !== t.shape[i])) {
      fileError(`weight '${layer}/${name}' has shape [${t.shape.join(', ')}] but the model's config needs [${shape.map((d) => d ?? '*').join(', ')}] (the layer's options and the width of the layer before it)`);
    }
    return t;
  }

  private layer({ className, config: c }: LayerSpec, prefix = ''): Forward {
    const name = prefix || String(c.name);
    switch (className) {
      case 'Dense': return this.dense(name, c);
      case 'Embedding': return this.embedding(name, c);
      case 'EmbeddingBag': return this.embeddingBag(name, c);
      case 'LSTM': case 'GRU': case 'SimpleRNN': return this.recurrent(className, name, c);
      case 'Bidirectional': return this.bidirectional(name, c);
      case 'Conv1D': return this.conv(name, c);
      case 'GlobalAveragePooling1D': return (rt, { x, mask }) => {
        const out = rt.temp([x.shape[0], x.shape[2]]);
        globalAvgPool1d(rt, x, mask, out);
        return { x: out, mask: null };
      };
      case 'GlobalMaxPooling1D': return (rt, { x, mask }) => {
        const out = rt.temp([x.shape[0], x.shape[2]]), argmax = rt.temp([x.shape[0], x.shape[2]], 'i32');
        globalMaxPool1d(rt, x, mask, out, argmax);
        return { x: out, mask: null };
      };
      case 'LayerNormalization': return this.layerNorm(name, c);
      case 'MaxPooling1D': case 'AveragePooling1D': {
        const o = poolOptions(c), max = className === 'MaxPooling1D';
        // as the layers: (B, T, C) -> (B, T', C), the mask dropped
        return (rt, { x }) => {
          const out = rt.temp([x.shape[0], pool1dGeometry(className, x.shape[1], o).Tout, x.shape[2]]);
          if (max) maxPool1d(rt, x, out, null, o);
          else avgPool1d(rt, x, out, o);
          return { x: out, mask: null };
        };
      }
      case 'Dropout': case 'SpatialDropout1D': return (_rt, f) => f;   // the identity at inference
      case 'Activation': return this.activation(name, c);
      case 'Flatten': return this.flatten(name);
      default: return fail(`layer class '${className}' is not known to this version`);
    }
  }

  private dense(name: string, c: Record<string, any>): Forward {
    const kernel = this.w(name, 'kernel', [this.width, c.units]);
    const bias = c.useBias === false ? null : this.w(name, 'bias', [c.units]);
    this.width = c.units;
    const act = activationOf(`Dense ${name}`, c.activation);
    const epi = act === 'relu' || act === 'sigmoid' || act === 'tanh' ? act : 'linear';
    const units = kernel.shape[1];
    return (rt, { x, mask }) => {
      const x2 = as2d(x), rows = x2.shape[0];
      const z = rt.temp([rows, units]);
      gemm(rt, x2, kernel, z, { bias, activation: epi });
      let y = z;
      if (epi !== act) { y = rt.temp([rows, units]); applyAfter(rt, act, z, y); }
      return { x: reshape(y, [...x.shape.slice(0, -1), units]), mask };
    };
  }

  private embedding(name: string, c: Record<string, any>, deferOutput = false): Forward {
    const table = this.w(name, 'embeddings', [c.inputDim, c.outputDim]);
    this.width = c.outputDim;
    const maskZero = !!c.maskZero;
    return (rt, { x: ids }) => {
      const out = rt.temp([...ids.shape, table.shape[1]]);
      let filled = !deferOutput;
      const fill = () => { if (!filled) { filled = true; embedding(rt, table, ids, out); } };
      if (filled) embedding(rt, table, ids, out);
      let mask: Tensor | null = null;
      if (maskZero) {
        mask = rt.temp(ids.shape);
        const m = mask.f32(), v = ids.i32();
        for (let i = 0; i < v.length; i++) m[i] = v[i] === 0 ? 0 : 1;
      }
      return { x: out, mask, source: { ids, table, fill } };
    };
  }

  private embeddingBag(name: string, c: Record<string, any>): Forward {
    const table = this.w(name, 'embeddings', [c.inputDim, c.outputDim]);
    this.width = c.outputDim;
    const mode = c.mode ?? 'mean';
    return (rt, { x: padded }) => {
      const { ids, offsets } = bagsFromPadded(rt, padded);
      const out = rt.temp([padded.shape[0], table.shape[1]]);
      embeddingBag(rt, table, ids, offsets, out, { mode });
      return { x: out, mask: null };
    };
  }

  private recurrent(kind: string, name: string, c: Record<string, any>, goBackwards = !!c.goBackwards): Forward {
    const H = c.units, G = (kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1) * H;
    const W = this.w(name, 'kernel', [this.width, G]), U = this.w(name, 'recurrent_kernel', [H, G]);
    // GRU resetAfter: a (2, G) bias, row 0 added to the projection (and folded), row 1 by the kernel
    const resetAfter = kind === 'GRU' && !!c.resetAfter;
    const bias2 = c.useBias === false ? null : this.w(name, 'bias', resetAfter ? [2, G] : [G]);
    const bias = bias2 && resetAfter ? bias2.view([G], 0) : bias2, rb = bias2 && resetAfter ? bias2.view([G], G) : null;
    this.width = H;
    const returnSequences = !!c.returnSequences;
    // SimpleRNN: its activation instead of the gates' recurrentActivation
    const act = kind === 'SimpleRNN' ? { activation: c.activation } : { recurrentActivation: c.recurrentActivation ?? 'sigmoid' };
    let fold: FoldedProjection | null | undefined;
    return (rt, { x, mask, source }) => {
      // x (B, T, C) -> xw (B, T, G) = x W + b, then the whole recurrence in one kernel call
      const [B, T] = x.shape;
      if (source && fold === undefined) {
        fold = foldFits(rt, source.table.shape[0], G) ? new FoldedProjection(rt, source.table, W, bias) : null;
        if (fold) this.folds.push(fold);
      }
      // as the layers: the kernel reads the rows of the folded table in place, else the GEMM
      const table = source && fold && fold.embeddings === source.table ? fold.rows(reshape(source.ids, [source.ids.size]), 0) : null;
      let xw: Tensor;
      if (table) xw = table;
      else {
        source?.fill();   // the GEMM reads x
        xw = rt.temp([B * T, G]);
        gemm(rt, as2d(x), W, xw, { bias });
        xw = reshape(xw, [B, T, G]);
      }
      const hs = rt.temp([B, T, H]);
      const common = { xw, xwRows: table ? reshape(source!.ids, [B, T]) : null, u: U, mask, hs, reverse: goBackwards, ...act };
      if (T > 0) {
        // as the layers at inference: the LSTM keeps no gates (only its backward reads them)
        if (kind === 'LSTM') lstmSequence(rt, { ...common, cs: rt.temp([B, T, H]), gates: null });
        else if (kind === 'SimpleRNN') simpleRnnSequence(rt, common as any);
        else gruSequence(rt, { ...common, gates: rt.temp([B, T, G]), rh: rt.temp([B, T, H]), resetAfter, recurrentBias: rb });
      }
      if (returnSequences) return { x: hs, mask };
      const out = rt.temp([B, H]);
      // no step at all (T = 0): the final state is the initial one, zeros (the arena's memory is not)
      if (T === 0) return { x: out.fill(0), mask: null };
      const s = hs.f32(), d = out.f32();
      for (let i = 0; i < B; i++) d.set(s.subarray((i * T + T - 1) * H, (i * T + T) * H), i * H);
      return { x: out, mask: null };
    };
  }

  private bidirectional(name: string, c: Record<string, any>): Forward {
    const inner = c.layer as LayerSpec;
    if (!inner || !RECURRENT_LAYERS.has(inner.className)) fail(`Bidirectional ${name}: wraps an unknown layer`);
    const kind = inner.className, low = recurrentSublayerName(kind);
    const back = !!inner.config.goBackwards;
    const inWidth = this.width;
    const fwd = this.recurrent(kind, `${name}/forward_${low}`, inner.config, back);
    this.width = inWidth;   // both directions read the same input
    const bwd = this.recurrent(kind, `${name}/backward_${low}`, inner.config, !back);
    const seq = !!inner.config.returnSequences;
    const merge = c.mergeMode ?? 'concat';
    this.width = merge === 'concat' ? 2 * inner.config.units : inner.config.units;
    return (rt, flow) => {
      const f = fwd(rt, flow).x, b = bwd(rt, flow).x;
      const shape = f.shape, H = shape[shape.length - 1], B = shape[0], T = seq ? shape[1] : 1;
      let bAligned = b;
      if (seq) {
        // the backward layer's outputs in time order: bAligned[b, t] = b[b, T-1-t]
        bAligned = rt.temp(shape);
        const s = b.f32(), d = bAligned.f32();
        for (let i = 0; i < B; i++) for (let t = 0; t < T; t++) d.set(s.subarray((i * T + T - 1 - t) * H, (i * T + T - t) * H), (i * T + t) * H);
      }
      let out: Tensor;
      if (merge === 'concat') {
        out = rt.temp([...shape.slice(0, -1), 2 * H]);
        const o = out.f32(), fv = f.f32(), bv = bAligned.f32();
        for (let r = 0; r < B * T; r++) {
          o.set(fv.subarray(r * H, (r + 1) * H), r * 2 * H);
          o.set(bv.subarray(r * H, (r + 1) * H), r * 2 * H + H);
        }
      } else {
        out = rt.temp(shape);
        binaryForward(rt, merge === 'mul' ? 'mul' : 'add', as2d(f), as2d(bAligned), as2d(out));
        if (merge === 'ave') { const o = out.f32(); for (let i = 0; i < o.length; i++) o[i] *= 0.5; }
      }
      return { x: out, mask: seq ? flow.mask : null };
    };
  }

  private conv(name: string, c: Record<string, any>): Forward {
    const W = this.w(name, 'kernel', [c.kernelSize, this.width, c.filters]);
    const bias = c.useBias === false ? null : this.w(name, 'bias', [c.filters]);
    this.width = c.filters;
    const act = activationOf(`Conv1D ${name}`, c.activation);
    const fused = act === 'relu' || act === 'linear';
    const opts = { stride: c.strides ?? 1, dilation: c.dilationRate ?? 1, padding: c.padding ?? 'valid' };
    const [K, , F] = W.shape;
    return (rt, { x, mask }) => {
      const [B, T] = x.shape;
      const Tout = conv1dOutputLength(T, K, opts.stride, opts.dilation, opts.padding);
      const z = rt.temp([B, Tout, F]);
      conv1d(rt, x, W, bias, z, { ...opts, activation: fused ? act as 'relu' | 'linear' : 'linear' });
      let out = z;
      if (!fused) { out = rt.temp(z.shape); applyAfter(rt, act, z, out); }
      return { x: out, mask: Tout === T && opts.stride === 1 ? mask : null };
    };
  }

  /** y = a(x) elementwise (softmax over the last axis), as the Activation layer; the mask passes. */
  private activation(name: string, c: Record<string, any>): Forward {
    const act = activationOf(`Activation ${name}`, c.activation);
    return (rt, { x, mask }) => {
      if (act === 'linear') return { x, mask };
      const y = rt.temp(x.shape);
      applyAfter(rt, act, x, y);
      return { x: y, mask };
    };
  }

  /** (B, d1, d2, ...) -> (B, d1 * d2 * ...): a view of the same memory, as the layer; the mask is dropped. */
  private flatten(name: string): Forward {
    const s = this.dims;
    if (!s || s.some((d) => d === null)) {
      fail(`Flatten ${name}: every dimension of its input samples must be known, got samples of shape ${s ? `(None, ${s.map((d) => d ?? 'None').join(', ')})` : 'that are not known'}`);
    }
    this.width = (s as number[]).reduce((a, b) => a * b, 1);
    return (_rt, { x }) => {
      if (x.rank === 2) return { x, mask: null };
      const n = x.shape.slice(1).reduce((a, b) => a * b, 1);
      return { x: reshape(x, [x.shape[0], n]), mask: null };
    };
  }

  private layerNorm(name: string, c: Record<string, any>): Forward {
    const gamma = c.scale === false ? null : this.w(name, 'gamma', [this.width]);
    const beta = c.center === false ? null : this.w(name, 'beta', [this.width]);
    this.width ??= (gamma ?? beta)?.shape[0] ?? null;
    const epsilon = c.epsilon ?? 1e-3;
    return (rt, { x, mask }) => {
      const d = x.shape[x.rank - 1], rows = x.size / d;
      const gv = gamma ?? rt.temp([d]).fill(1), bv = beta ?? rt.temp([d]).fill(0);
      const out = rt.temp(x.shape), mean = rt.temp([rows]), rstd = rt.temp([rows]);
      layerNorm(rt, x, gv, bv, out, mean, rstd, { epsilon });
      return { x: out, mask };
    };
  }

  /** The model's outputs for ids (N, L) (or float features), in batches: { data, shape: [N, ...output] }. */
  predict(x: { data: Int32Array | Float32Array | Float64Array; shape: number[] }, options: { batchSize?: number } = {}): { data: Float32Array; shape: number[] } {
    if (this.closed) throw new Error('wasmnn: this model was disposed; load it again');
    if (options === null || typeof options !== 'object') throw new TypeError('wasmnn: predict: options must be an object such as { batchSize: 32 }');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`wasmnn: predict: batchSize must be a whole number >= 1, got ${batchSize}`);
    this.checkInput(x);
    // a Float64Array (what plain JS numbers come as) is taken as the full library takes it: ids
    // as whole numbers (checked below), features rounded to float32
    if (x.data instanceof Float64Array) {
      const d = x.data;
      const dim = this.firstInputDim;
      if (dim !== null) {
        const i = d.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < dim));
        if (i >= 0) throw new RangeError(`wasmnn: predict: token id ${d[i]} at index ${i} is ${Number.isInteger(d[i]) ? `outside the model's vocabulary (inputDim ${dim})` : 'not a whole number'}; pass integer ids from the model's own vectorizer`);
      }
      x = { data: dim !== null ? Int32Array.from(d) : Float32Array.from(d), shape: x.shape };
    }
    const n = x.shape[0];
    if (!(n > 0)) throw new RangeError('wasmnn: predict: x is empty: there are no samples');
    const row = x.data.length / n;
    const dtype = x.data instanceof Int32Array ? 'i32' : 'f32';
    if (this.firstInputDim !== null) {
      if (dtype !== 'i32') throw new TypeError(`wasmnn: predict: the model starts with an embedding, so x.data must be an Int32Array of token ids, got ${describe(x.data)}; pass the ids from the model's own vectorizer (TextVectorizer.transform)`);
      const d = x.data;
      for (let i = 0; i < d.length; i++) {
        if (!(d[i] >= 0 && d[i] < this.firstInputDim)) {
          throw new RangeError(`wasmnn: predict: token id ${d[i]} at index ${i} is outside the model's vocabulary (inputDim ${this.firstInputDim}); pass integer ids from the model's own vectorizer`);
        }
      }
    }
    const rt = this.rt;
    let out: Float32Array | null = null;
    let outShape: number[] = [];
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      rt.step(() => {
        let flow: Flow = { x: rt.temp([m, ...x.shape.slice(1)], dtype).set(x.data.subarray(s * row, (s + m) * row)), mask: null };
        for (const f of this.forwards) flow = f(rt, flow);
        const y = flow.x, rowSize = y.size / m;
        if (!out) { out = new Float32Array(n * rowSize); outShape = [n, ...y.shape.slice(1)]; }
        out.set(y.f32(), s * rowSize);
      });
    }
    return { data: out!, shape: outShape };
  }

  /** x is { data: Int32Array | Float32Array, shape: [N, ...sample shape] }, of the model's sample shape. */
  private checkInput(x: unknown): asserts x is { data: Int32Array | Float32Array | Float64Array; shape: number[] } {
    // the messages' shapes are spelled only when one is thrown (this runs on every prediction)
    const want = () => (this.sampleShape ? `[N, ${this.sampleShape.map((d) => d ?? 'any').join(', ')}]` : '[N, ...]');
    const form = () => `{ data: Int32Array | Float32Array | Float64Array, shape: ${want()} }`;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new TypeError(`wasmnn: predict: x must be ${form()}, got ${describe(x)}`);
    const { data, shape } = x as { data: unknown; shape: unknown };
    if (!(data instanceof Int32Array || data instanceof Float32Array || data instanceof Float64Array)) throw new TypeError(`wasmnn: predict: x.data must be an Int32Array, Float32Array or Float64Array (x is ${form()}), got ${describe(data)}`);
    if (!Array.isArray(shape)) throw new TypeError(`wasmnn: predict: x.shape must be an array ${want()}, got ${describe(shape)}`);
    if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new RangeError(`wasmnn: predict: x.shape must be whole numbers >= 0, got [${shape.map(describe).join(', ')}]`);
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`wasmnn: predict: x.shape [${shape.join(', ')}] holds ${size} values but x.data has ${data.length}`);
    const sample = this.sampleShape;
    if (sample && (shape.length !== sample.length + 1 || sample.some((d, i) => d !== null && d !== shape[i + 1]))) {
      throw new RangeError(`wasmnn: predict: x has shape [${shape.join(', ')}] but the model takes ${want()}`);
    }
  }

  /** Frees the weights. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.folds) f.free();
    for (const t of this.weights.values()) this.rt.free(t);
  }
}
