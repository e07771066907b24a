// Command-line parsing for the CLI: options declared once per command (name, type, help), parsed
// from `--name value` or `--name=value`; unknown options get a "did you mean" suggestion.
import { nearest, usageError } from './errors.js';

export type OptionType = 'string' | 'int' | 'number' | 'flag';

export interface OptionSpec {
  name: string;
  type: OptionType;
  help: string;
  /** What the value looks like in the help, e.g. FILE. */
  value?: string;
  /** Shown in the help. */
  defaultText?: string;
  /** Smallest allowed value of int / number options. */
  min?: number;
  /** Number options: the value must be above this (exclusive), e.g. 0 for "positive". */
  above?: number;
  /** Largest allowed value of int / number options. */
  max?: number;
  /** Number options: the value must be below this (exclusive). */
  below?: number;
  /** Why there is a largest value, said when a value passes it. */
  maxWhy?: string;
}

export interface Parsed {
  options: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

const AFTER_DASHES = "an argument that starts with '-' (a text, a file name) goes after a lone --, which ends the options";

/** Parses argv (after the command name) against the command's options. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a === '-h') { options.help = true; continue; }
    // single-dash options do not exist (but -h): "-e 1" is a mistyped option, not two file names;
    // a text or file that starts with '-' goes after --
    if (a.length > 1 && a.startsWith('-') && !a.startsWith('--')) {
      throw usageError(`unknown option ${a} for '${command}': options start with -- (see wasmnn ${command} --help); ${AFTER_DASHES}`);
    }
    if (!a.startsWith('--')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const spec = byName.get(name);
    if (!spec) {
      const guess = nearest(name, specs.map((s) => s.name));
      // a text such as "--- great deal ---" is no option: say how to pass it
      const text = /\s/.test(name) || name.startsWith('-');
      throw usageError(`unknown option --${name} for '${command}'${guess && !text ? `; did you mean --${guess}?` : ''} (see wasmnn ${command} --help)${text ? `; ${AFTER_DASHES}` : ''}`);
    }
    if (spec.type === 'flag') {
      if (eq >= 0) throw usageError(`--${name} takes no value; write just --${name}`);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw usageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
      value = argv[++i];
    }
    options[name] = convert(spec, value);
  }
  return { options, positionals };
}

function convert(spec: OptionSpec, value: string): string | number {
  if (spec.type === 'string') {
    if (value === '') throw usageError(`--${spec.name} needs a non-empty value`);
    return value;
  }
  const v = Number(value);
  const whole = spec.type === 'int';
  if (value.trim() === '' || !Number.isFinite(v) || (whole && !Number.isInteger(v))) {
    throw usageError(`--${spec.name} must be ${whole ? 'a whole number' : 'a number'}, got '${value}'`);
  }
  if (spec.min !== undefined && v < spec.min) throw usageError(`--${spec.name} must be at least ${spec.min}, got ${value}`);
  if (spec.above !== undefined && !(v > spec.above)) throw usageError(`--${spec.name} must be ${spec.above === 0 ? 'a positive number' : `above ${spec.above}`}, got ${value}`);
  if (spec.max !== undefined && v > spec.max) throw usageError(`--${spec.name} must be at most ${spec.max.toLocaleString('en-US')}${spec.maxWhy ? ` (${spec.maxWhy})` : ''}, got ${value}`);
  if (spec.below !== undefined && v >= spec.below) throw usageError(`--${spec.name} must be below ${spec.below}, got ${value}`);
  return v;
}

/** The help text of a command's options, aligned. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `  --${s.name}${s.type === 'flag' ? '' : ` ${s.value ?? (s.type === 'string' ? 'VALUE' : 'N')}`}`);
  const w = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, i) => `${left[i].padEnd(w)}${s.help}${s.defaultText ? ` (default: ${s.defaultText})` : ''}`).join('\n');
}
