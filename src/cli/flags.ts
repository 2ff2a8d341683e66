/**
 * Flag parsing on top of util.parseArgs, with skiff's own error lines:
 * parseArgs' strict mode reports problems in its own words, so it runs
 * loose and every token is checked here instead.
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedFlags {
  values: FlagValues;
  positionals: string[];
}

/** Parses `argv` for `skiff <command>`; throws a usage CliError naming the first bad flag. */
export function parseFlags(command: string, argv: string[], specs: FlagSpecs, allowPositionals = false): ParsedFlags {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }]),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values: FlagValues = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (!allowPositionals) throw usageError(command, `unexpected argument ${JSON.stringify(t.value)}`);
      positionals.push(t.value);
      continue;
    }
    const spec = specs[t.name];
    // A short flag's group (-dv) is split by parseArgs; name the flag as typed.
    const shown = t.rawName.startsWith('--') ? t.rawName : `-${t.name}`;
    if (!spec) throw usageError(command, `unknown flag ${shown}`);
    let value: string | boolean;
    if (spec.type === 'boolean') {
      if (t.value === undefined) value = true;
      else if (t.value === 'true' || t.value === 'false') value = t.value === 'true';
      else throw usageError(command, `invalid value ${JSON.stringify(t.value)} for ${shown}: want true or false`);
    } else {
      let v = t.value;
      // -v=4 arrives as "=4": a short flag's inline value keeps its equals sign.
      if (v !== undefined && t.inlineValue && !t.rawName.startsWith('--') && v.startsWith('=')) v = v.slice(1);
      if (v === undefined || (!t.inlineValue && v.startsWith('-') && v.length > 1)) {
        throw usageError(command, `flag ${shown} needs a value`);
      }
      value = v;
    }
    if (spec.multiple) {
      const list = (values[t.name] as string[] | undefined) ?? [];
      list.push(String(value));
      values[t.name] = list;
    } else {
      values[t.name] = value;
    }
  }
  return { values, positionals };
}
