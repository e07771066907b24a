// ONNX files for the benchmarks, encoded by hand (the protobuf wire format; no onnx package needed):
// the classifier Embedding -> one fused recurrent op (LSTM, GRU) -> Dense(softmax), from weights
// already in ONNX layout. bench/_onnx_lstm.mjs and bench/_onnx_gru.mjs turn Keras-layout weights
// into that layout.
//
// Graph (opset 17, IR version 8), B = batch (dynamic), T = steps (dynamic), E = embedding width,
// H = units, C = classes, G = gates x H:
//   ids (B, T) int32 --Gather(embeddings (V, E), axis 0)--> (B, T, E)
//   --Transpose [1, 0, 2]--> (T, B, E)
//   --op(W (1, G, E), R (1, G, H), B (1, 2G), hidden_size H, attributes)--> Y_h (1, B, H)
//   --Squeeze axes [0]--> (B, H) --MatMul(kernel (H, C))--> --Add(bias (C))--> --Softmax(-1)--> probs (B, C)

// ---- protobuf wire format ---------------------------------------------------------------------

class Pb {
  constructor() { this.parts = []; this.length = 0; }
  bytes(u8) { this.parts.push(u8); this.length += u8.length; return this; }
  varint(v) {
    // v: a non-negative integer below 2^53, or a BigInt
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n;   // int64 two's complement
    const out = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) { return this.varint((field << 3) | wire); }
  int(field, v) { return this.tag(field, 0).varint(v); }
  len(field, u8) { return this.tag(field, 2).varint(u8.length).bytes(u8); }
  str(field, s) { return this.len(field, new TextEncoder().encode(s)); }
  msg(field, pb) { return this.len(field, pb.finish()); }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

const FLOAT = 1, INT32 = 6, INT64 = 7;
const ATTR_INT = 2, ATTR_INTS = 7;

// TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian)
function tensor(name, dims, type, values) {
  const pb = new Pb();
  for (const d of dims) pb.int(1, d);
  pb.int(2, type);
  pb.str(8, name);
  let raw;
  if (type === FLOAT) raw = new Uint8Array(Float32Array.from(values).buffer);
  else if (type === INT64) raw = new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
  else throw new Error(`tensor type ${type} not handled`);
  return pb.len(9, raw);
}

// AttributeProto: name 1, i 3, ints 8, type 20
function attrInt(name, v) { return new Pb().str(1, name).int(3, v).int(20, ATTR_INT); }
function attrInts(name, vs) { const pb = new Pb().str(1, name); for (const v of vs) pb.int(8, v); return pb.int(20, ATTR_INTS); }

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5
function node(op, inputs, outputs, attrs = []) {
  const pb = new Pb();
  for (const i of inputs) pb.str(1, i);
  for (const o of outputs) pb.str(2, o);
  pb.str(3, `${op.toLowerCase()}_${outputs[0] || 'out'}`).str(4, op);
  for (const a of attrs) pb.msg(5, a);
  return pb;
}

// ValueInfoProto: name 1, type 2 (TypeProto.tensor_type 1: elem_type 1, shape 2 (dim 1: dim_value 1 | dim_param 2))
function valueInfo(name, elemType, dims) {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tt = new Pb().int(1, elemType).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tt));
}

// ---- the model --------------------------------------------------------------------------------

/**
 * op: 'LSTM' or 'GRU'; W (G x E), R (G x H), Bias (2G) flat Float32Arrays in ONNX layout; attrs:
 * extra integer attributes of the op ({ linear_before_reset: 1 }); embeddings (V, E), denseKernel
 * (H, C), denseBias (C) as in Keras. Returns the .onnx bytes.
 */
export function recurrentClassifierOnnx({ op, V, E, H, C, G, embeddings, W, R, Bias, attrs = {}, name, denseKernel, denseBias }) {
  const graph = new Pb();
  graph.msg(1, node('Gather', ['embeddings', 'ids'], ['emb'], [attrInt('axis', 0)]));
  graph.msg(1, node('Transpose', ['emb'], ['emb_tbe'], [attrInts('perm', [1, 0, 2])]));
  graph.msg(1, node(op, ['emb_tbe', 'W', 'R', 'B'], ['', 'y_h'], [attrInt('hidden_size', H), ...Object.entries(attrs).map(([k, v]) => attrInt(k, v))]));
  graph.msg(1, node('Squeeze', ['y_h', 'axes0'], ['h']));
  graph.msg(1, node('MatMul', ['h', 'dense_kernel'], ['logits0']));
  graph.msg(1, node('Add', ['logits0', 'dense_bias'], ['logits']));
  graph.msg(1, node('Softmax', ['logits'], ['probs'], [attrInt('axis', -1)]));
  graph.str(2, name);
  graph.msg(5, tensor('embeddings', [V, E], FLOAT, embeddings));
  graph.msg(5, tensor('W', [1, G, E], FLOAT, W));
  graph.msg(5, tensor('R', [1, G, H], FLOAT, R));
  graph.msg(5, tensor('B', [1, 2 * G], FLOAT, Bias));
  graph.msg(5, tensor('axes0', [1], INT64, [0]));
  graph.msg(5, tensor('dense_kernel', [H, C], FLOAT, denseKernel));
  graph.msg(5, tensor('dense_bias', [C], FLOAT, denseBias));
  graph.msg(11, valueInfo('ids', INT32, ['B', 'T']));
  graph.msg(12, valueInfo('probs', FLOAT, ['B', C]));
  const model = new Pb();
  model.int(1, 8);                                   // ir_version
  model.str(2, 'wasmnn-bench');                      // producer_name
  model.msg(7, graph);
  model.msg(8, new Pb().str(1, '').int(2, 17));      // opset_import: default domain, opset 17
  return model.finish();
}
