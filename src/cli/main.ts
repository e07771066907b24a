#!/usr/bin/env node
// The `wasmnn` command: train, eval, predict and info for text classifiers (node only).
// Exit codes: 0 done, 1 a data or model problem, 2 a usage mistake, 130 interrupted (Ctrl-C).
import { readFileSync } from 'node:fs';
import { hasRuntime, shutdown } from '../runtime/default.js';
import { WnnFormatError } from '../io/safetensors.js';
import { CliError, nearest, translateError } from './errors.js';
import { trainCommand } from './train_command.js';
import { evalCommand } from './eval_command.js';
import { predictCommand } from './predict_command.js';
import { infoCommand } from './info_command.js';
import { quantizeCommand } from './quantize_command.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { train: trainCommand, eval: evalCommand, predict: predictCommand, info: infoCommand, quantize: quantizeCommand };

const HELP = `Usage: wasmnn <command> [options]

Train, evaluate and run text classifiers (WebAssembly SIMD).

Commands:
  train DATA               train a classifier on a .csv, .tsv or .jsonl file of texts and labels
  eval MODEL DATA          accuracy, per-class precision / recall / F1, confusion matrix
  predict MODEL [TEXT...]  labels and probabilities of texts (arguments, or stdin one per line)
  info MODEL               architecture, parameters, vocabulary, labels, training metadata
  quantize MODEL           a smaller copy: large weights stored as int8 or float16

Options:
  --help, -h               show help (wasmnn <command> --help for a command's options)
  --version                show the version

Example:
  wasmnn train data.csv --out model.wnn && wasmnn predict model.wnn "some text"

Exit codes: 0 done, 1 a problem with a data or model file, 2 a usage mistake, 130 interrupted`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${HELP}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v') { process.stdout.write(`wasmnn ${version()}\n`); return 0; }
  const command = COMMANDS[cmd];
  if (!command) {
    const guess = nearest(cmd, Object.keys(COMMANDS));
    throw new CliError(`unknown command '${cmd}'${guess ? `; did you mean '${guess}'?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')}; see wasmnn --help)`, 2);
  }
  return command(rest);
}

/** An error as one line for a person: ours as they are, anything else marked as unexpected. */
function explain(e: unknown): { message: string; code: number } {
  if (e instanceof CliError) return { message: e.message, code: e.exitCode };
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof WnnFormatError || err.message.startsWith('wasmnn: ')) return { message: err.message.startsWith('wasmnn: ') ? err.message : `wasmnn: ${err.message}`, code: 1 };
  return { message: `wasmnn: unexpected error: ${err.message}; please report it (set WASMNN_DEBUG=1 for the stack trace)`, code: 1 };
}

async function main(): Promise<void> {
  let code: number;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  try {
    code = await run(process.argv.slice(2));
  } catch (e) {
    // library advice the command line cannot follow (clipNorm, init options) in its own words
    const { message, code: c } = explain(translateError(e, process.argv[2] ?? ''));
    process.stderr.write(`${message}\n`);
    if (process.env.WASMNN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    code = c;
  }
  if (hasRuntime()) await shutdown();
  process.exitCode = code;
  // the output is flushed by node before exit; leave even if something still holds the event loop
  setImmediate(() => process.exit(code));
}

await main();
