// A Cloudflare Worker that classifies text with a wasmnn model shipped inside the Worker.
//   POST /classify  {"text": "..."} or {"texts": ["...", ...]}  ->  labels and probabilities
//   GET  /info      the model's labels, the runtime's build, threads and memory
// The model is a data module (model/classifier.wnn, an ArrayBuffer); wasmnn/infer resolves to its
// workerd build, which imports the single-thread SIMD .wasm as a compiled module (Workers refuse
// to compile wasm from bytes, have no threads and must never block). Bad requests answer 4xx with
// a JSON error, never a 500.
import { init, env, memory, TextClassifier } from 'wasmnn/infer';
import modelBytes from '../model/classifier.wnn';

/** Longest text accepted, in characters (UTF-16 code units). */
const MAX_TEXT_CHARS = 20_000;
/** Most texts in one request. */
const MAX_TEXTS = 64;
/** Largest request body, in bytes. */
const MAX_BODY_BYTES = 1_500_000;

class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

// The classifier is made on the first request and kept for the isolate's life.
let loading = null;
function classifier() {
  loading ??= init().then(() => TextClassifier.fromBytes(new Uint8Array(modelBytes))).catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

async function readJson(request) {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `the body is ${declared} bytes; send at most ${MAX_BODY_BYTES}`);
  const body = await readAtMost(request, MAX_BODY_BYTES);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, 'the body is not UTF-8 text; send JSON such as {"text": "..."}');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not JSON; send {"text": "..."} or {"texts": ["...", ...]}');
  }
}

/**
 * The body's bytes, read chunk by chunk and refused (413) as soon as they pass `limit`: a chunked
 * upload has no Content-Length, and reading it whole first could take far more than the isolate's
 * 128 MB.
 */
async function readAtMost(request, limit) {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new HttpError(413, `the body is over ${limit} bytes; send at most ${limit}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

function checkText(t, where) {
  if (typeof t !== 'string') throw new HttpError(400, `${where} must be a string`);
  if (t.length === 0) throw new HttpError(400, `${where} is empty; send some text to classify`);
  if (t.length > MAX_TEXT_CHARS) throw new HttpError(413, `${where} is ${t.length} characters; send at most ${MAX_TEXT_CHARS}`);
  return t;
}

/** The texts of a request body, and whether it sent one text (answer one prediction) or a list. */
function textsOf(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'send a JSON object: {"text": "..."} or {"texts": ["...", ...]}');
  }
  const hasText = 'text' in body, hasTexts = 'texts' in body;
  if (hasText === hasTexts) throw new HttpError(400, hasText ? 'send either "text" or "texts", not both' : 'no text: send {"text": "..."} or {"texts": ["...", ...]}');
  if (hasText) return { single: true, texts: [checkText(body.text, '"text"')] };
  const list = body.texts;
  if (!Array.isArray(list)) throw new HttpError(400, '"texts" must be an array of strings');
  if (list.length === 0) throw new HttpError(400, '"texts" is empty; send 1 to ' + MAX_TEXTS + ' texts');
  if (list.length > MAX_TEXTS) throw new HttpError(413, `"texts" has ${list.length} texts; send at most ${MAX_TEXTS} per request`);
  return { single: false, texts: list.map((t, i) => checkText(t, `"texts"[${i}]`)) };
}

async function classify(request) {
  const { single, texts } = textsOf(await readJson(request));
  const predictions = (await classifier()).predict(texts);
  return json(single ? predictions[0] : { predictions });
}

async function info() {
  const c = await classifier();
  const m = memory();
  return json({
    labels: c.labels,
    env: env(),
    memory: { wasmBytes: m.memoryBytes, liveBytes: m.liveBytes, peakBytes: m.peakBytes, maxBytes: m.maxBytes },
    limits: { maxTextChars: MAX_TEXT_CHARS, maxTexts: MAX_TEXTS, maxBodyBytes: MAX_BODY_BYTES },
  });
}

const ROUTES = { '/classify': { POST: classify }, '/info': { GET: info } };

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const route = ROUTES[pathname];
    try {
      if (!route) throw new HttpError(404, `no route ${pathname}; POST /classify or GET /info`);
      const handler = route[request.method];
      if (!handler) throw new HttpError(405, `${request.method} is not allowed on ${pathname}; use ${Object.keys(route).join(', ')}`, { allow: Object.keys(route).join(', ') });
      return await handler(request);
    } catch (e) {
      if (e instanceof HttpError) return json({ error: e.message }, e.status, e.headers);
      console.error(e);
      return json({ error: 'internal error' }, 500);
    }
  },
};
