// Define-by-run autograd over the kernels. A Graph lives for one step: ops compute their forward
// with kernels into step tensors and record a backward closure; backward() runs the closures in
// reverse. Gradients are allocated on first write and accumulated after that, so an op's backward
// writes (accumulate = false) the first time a node's gradient is produced and adds to it
// afterwards. Parameters keep their gradients in the model's slab.
import type { Runtime } from './runtime/runtime.js';
import { Tensor, fmtShape, type Shape } from './tensor.js';
import { binaryForward } from './kernels/binary.js';
import { fillRows } from './kernels/optim.js';

export class Node {
  /** The gradient of the loss with respect to value, once backward has produced it. */
  grad: Tensor | null = null;
  constructor(
    readonly value: Tensor,
    readonly requiresGrad: boolean,
    /** What made it, for error messages ("dense_1/matmul"). */
    readonly label = '',
  ) {}
  get shape(): Shape { return this.value.shape; }
}

/**
 * A trainable (or frozen) weight: value and gradient live in the model's parameter slab.
 *
 * Tables (embeddings) may get row-sparse gradients (Graph.addRowGrad): only the rows a step
 * uses are written, the rest of gradSlot stays zero, and the optimizer may update only those
 * rows (see Optimizer.step).
 */
export class Param extends Node {
  /** Rows of gradSlot that may be non-zero (the rest is zero), or null when any row may be. */
  dirtyRows: Int32Array | null = new Int32Array(0);
  /** This step's gradient as rows of a (rows, rowDim) table, or null when it is dense (or none yet). */
  stepRows: Int32Array | null = null;
  rowDim = 0;
  /** The layer asked for lazy row-sparse updates (for optimizers where they are not exact). */
  lazyRows = false;
  constructor(value: Tensor, readonly gradSlot: Tensor, readonly name: string, readonly trainable: boolean, readonly slabOffset = 0) {
    super(value, trainable, name);
  }
}

type Backward = () => void;

export class Graph {
  private readonly backs: Backward[] = [];
  private readonly written = new Set<Node>();
  private readonly params = new Set<Param>();

  constructor(readonly rt: Runtime, readonly training: boolean) {}

  /** A leaf that needs no gradient (inputs, labels, masks). */
  constant(value: Tensor, label = 'input'): Node { return new Node(value, false, label); }

  /** A parameter used in this step (its gradient is zeroed if nothing writes it). */
  param(p: Param): Param {
    if (this.training && p.trainable && !this.params.has(p)) {
      this.params.add(p);
      p.stepRows = null;
    }
    return p;
  }

  /** The result of an op whose inputs are `parents`; it needs a gradient if any parent does. */
  result(value: Tensor, parents: readonly Node[], label: string): Node {
    return new Node(value, this.training && parents.some((p) => p.requiresGrad), label);
  }

  /** Records an op's backward, run in reverse order by backward(). */
  onBackward(fn: Backward): void {
    if (this.training) this.backs.push(fn);
  }

  /**
   * Gives `write` the tensor to put node's gradient contribution in, and whether to add to it.
   * The first contribution overwrites; later ones accumulate.
   */
  addGrad(node: Node, write: (dst: Tensor, accumulate: boolean) => void): void {
    if (!node.requiresGrad) return;
    const first = !this.written.has(node);
    if (first) {
      if (!node.grad) node.grad = node instanceof Param ? node.gradSlot : this.rt.temp(node.value.shape);
      this.written.add(node);
    }
    if (node instanceof Param) { node.dirtyRows = null; node.stepRows = null; }
    write(node.grad!, !first);
  }

  /**
   * A row-sparse gradient contribution to table parameter p, a (rows, dim) table: `write(dst,
   * accumulate)` writes (or, with accumulate, adds to) only the rows it returns (distinct), and
   * leaves every other row alone. The first contribution of a step first zeroes the rows the
   * previous gradient left non-zero, so the whole gradSlot is always the true gradient (zero
   * outside the touched rows: global-norm clipping and lossAndGradients see all of it) and
   * p.stepRows lists the rows for a row-sparse optimizer update. lazy: the layer allows lazy
   * row-sparse updates for optimizers where they are not exact.
   */
  addRowGrad(p: Param, dim: number, lazy: boolean, write: (dst: Tensor, accumulate: boolean) => Int32Array): void {
    if (!p.requiresGrad) return;
    const dst = p.gradSlot;
    if (!this.written.has(p)) {
      this.written.add(p);
      p.grad = dst;
      zeroRows(this.rt, dst, p.dirtyRows, dim);
      const rows = write(dst, false);
      p.dirtyRows = rows; p.stepRows = rows; p.rowDim = dim; p.lazyRows = lazy;
      return;
    }
    const rows = write(dst, true);
    if (p.stepRows === null) return; // a dense contribution came first: the gradient stays dense
    const merged = unionRows(p.stepRows, rows);
    p.dirtyRows = merged; p.stepRows = merged; p.lazyRows = p.lazyRows && lazy;
  }

  /** For kernels that can only overwrite: the first contribution goes straight in, later ones via a temp and an add. */
  addGradOverwriting(node: Node, write: (dst: Tensor) => void): void {
    this.addGrad(node, (dst, accumulate) => {
      if (!accumulate) { write(dst); return; }
      const tmp = this.rt.temp(dst.shape);
      write(tmp);
      binaryForward(this.rt, 'add', flat2(dst), flat2(tmp), flat2(dst));
    });
  }

  /** Adds a finished gradient tensor t (shape of node): adopted as the gradient when it is the first. */
  addGradTensor(node: Node, t: Tensor): void {
    if (!node.requiresGrad) return;
    if (!this.written.has(node) && !(node instanceof Param)) {
      node.grad = t;
      this.written.add(node);
      return;
    }
    this.addGrad(node, (dst, accumulate) => {
      if (accumulate) binaryForward(this.rt, 'add', flat2(dst), flat2(t), flat2(dst));
      else dst.set(t.f32());
    });
  }

  /** The gradient of node, or null when nothing flowed into it. */
  gradOf(node: Node): Tensor | null {
    return this.written.has(node) ? node.grad : null;
  }

  /** Seeds root's gradient and runs every recorded backward in reverse. */
  backward(root: Node, seed: (dst: Tensor) => void): void {
    if (!this.training) throw new Error('wasmnn: backward() on a graph built for inference');
    this.addGrad(root, (dst) => seed(dst));
    for (let i = this.backs.length - 1; i >= 0; i--) this.backs[i]();
    // parameters no op wrote to (a layer skipped by a branch) get a zero gradient for the
    // optimizer: only the rows an earlier step left non-zero need clearing
    for (const p of this.params) {
      if (this.written.has(p)) continue;
      zeroRows(this.rt, p.gradSlot, p.dirtyRows, p.rowDim);
      p.dirtyRows = new Int32Array(0);
      p.stepRows = null;
    }
  }
}

/** Zeroes the listed rows of a (rows, dim) table, or all of it when rows is null. */
function zeroRows(rt: Runtime, t: Tensor, rows: Int32Array | null, dim: number): void {
  if (rows === null) { t.fill(0); return; }
  if (rows.length === 0) return;
  // one kernel call for all of them (~3,000 rows of 64 a step for an Embedding(20000, 64) at batch
  // 32 x 100 steps: a native fill per row took about 0.45 ms a step, the call about 0.25, most of
  // it the stores themselves, scattered over a 5 MB table; CPU profiles, session 11). The
  // row list's buffer has room for every row of the table, so a step's temps (and the arena's
  // peak) do not depend on how many rows the last step touched
  rt.scratchScope(() => {
    const list = rt.temp([t.size / dim], 'i32').view([rows.length]);
    list.i32().set(rows);
    fillRows(rt, t, { rows: list, dim }, 0);
  });
}

/** a followed by the rows of b not in a. */
function unionRows(a: Int32Array, b: Int32Array): Int32Array {
  const seen = new Set(a);
  const extra = Array.from(b).filter((r) => !seen.has(r));
  if (extra.length === 0) return a;
  const out = new Int32Array(a.length + extra.length);
  out.set(a);
  out.set(extra, a.length);
  return out;
}

/** The same memory seen as (rows, cols) with cols the last dimension. */
export function as2d(t: Tensor): Tensor {
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  const rows = cols === 0 ? 0 : t.size / cols;
  return view(t, [rows, cols]);
}

/** The same memory as one row (1, n): for elementwise kernels over whole tensors. */
export function flat2(t: Tensor): Tensor { return view(t, [1, t.size]); }

/** The same memory under another shape with the same number of values. */
export function view(t: Tensor, shape: Shape): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== t.size) throw new RangeError(`wasmnn: cannot view ${fmtShape(t.shape)} as ${fmtShape(shape)}`);
  return t.view(shape);
}
