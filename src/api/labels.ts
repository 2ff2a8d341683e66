/**
 * Label selectors and field selectors, as Kubernetes parses, validates,
 * matches and prints them (k8s.io/apimachinery pkg/labels and pkg/fields).
 *
 * - The string grammar (`?labelSelector=`): `a=b`, `a==b`, `a!=b`,
 *   `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, ANDed by commas.
 *   Bad input throws a 400 StatusError with Kubernetes' wording, which
 *   kubectl prints verbatim (e.g. `unable to parse requirement: <nil>:
 *   Invalid value: "a b": ...`).
 * - metav1.LabelSelector objects (matchLabels / matchExpressions): `{}`
 *   matches everything, null/undefined matches nothing (as controllers treat
 *   an absent selector).
 * - Field selectors: `a=b`, `a==b`, `a!=b`, commas, with `\,` `\=` `\\`
 *   escapes in values. Which field names exist is the API server's business.
 *
 * Selectors are plain immutable data, so they can be logged, compared and
 * put in continue tokens (via selectorToString).
 */
import type { LabelSelector as MetaLabelSelector } from 'kubernetes-types/meta/v1.js';
import { errors } from './errors.js';

/** Kubernetes' selection.Operator values. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** One value for =, ==, !=, gt, lt; one or more for in/notin; none for exists and !. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly kind: 'labels';
  /** ANDed, sorted by key. Empty: matches everything (unless `nothing`). */
  readonly requirements: readonly LabelRequirement[];
  /** The selector of an absent metav1.LabelSelector: matches no object. */
  readonly nothing?: true;
}

export interface FieldTerm {
  readonly field: string;
  /** `==` is parsed as `=`, as Kubernetes does. */
  readonly operator: '=' | '!=';
  /** Unescaped. */
  readonly value: string;
}

export interface FieldSelector {
  readonly kind: 'fields';
  /** ANDed, in Kubernetes' order (the terms' text sorted). Empty: matches everything. */
  readonly terms: readonly FieldTerm[];
}

const everythingSelector: LabelSelector = Object.freeze({ kind: 'labels', requirements: Object.freeze([]) }) as LabelSelector;
const nothingSelector: LabelSelector = Object.freeze({ kind: 'labels', requirements: Object.freeze([]), nothing: true }) as LabelSelector;

/** Matches every label set. */
export function everything(): LabelSelector {
  return everythingSelector;
}

/** Matches no label set. */
export function nothing(): LabelSelector {
  return nothingSelector;
}

/** Whether the selector does not restrict anything (a nothing selector is not empty). */
export function isEverything(sel: LabelSelector | FieldSelector): boolean {
  return sel.kind === 'labels' ? !sel.nothing && sel.requirements.length === 0 : sel.terms.length === 0;
}

/** The selector matching exactly these labels (as labels.SelectorFromSet). */
export function labelSelectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  if (!set) return everythingSelector;
  const reqs = Object.entries(set).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }));
  return { kind: 'labels', requirements: sortByKey(reqs) };
}

// ---------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation), with its messages.

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number) => `must be no more than ${n} characters`;

/** validation.IsQualifiedName: `[prefix/]name`, the syntax of label keys. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push(`prefix part ${maxLenError(253)}`);
      if (!dns1123SubdomainRe.test(prefix)) errs.push(`prefix part ${regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com')}`);
    }
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** A field.Invalid error's text: `<path>: Invalid value: <value>: <detail>`. */
function invalid(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${goValue(value)}: ${detail}`;
}

function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
  return JSON.stringify(v);
}

/** Errors of labels.NewRequirement; `path` is the field path ('' at the top). */
function requirementErrors(key: string, op: LabelOperator, values: readonly string[], path: string): string[] {
  const errs: string[] = [];
  const child = (c: string) => (path ? `${path}.${c}` : c);
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) errs.push(invalid(child('key'), key, keyErrs.join('; ')));
  const valuesPath = child('values');
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!isInt64(v)) errs.push(invalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const e = labelValueErrors(v);
    if (e.length) errs.push(invalid(`${valuesPath}[${i}][${key}]`, v, e.join('; ')));
  });
  return errs;
}

/** An aggregate's text, as utilerrors.NewAggregate(...).Error(). */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

function isInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

// ---------------------------------------------------------------------------
// The string form of label selectors: a lexer and a recursive-descent parser
// with the tokens and error texts of labels.Parse.

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Tok;
  lit: string;
}

const symbolTokens: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', '<': '<', '!=': '!=', '(': '(' };
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms an operator.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        const next = buf + s[pos];
        const tok = symbolTokens[next];
        if (tok) {
          buf = next;
          last = { tok, lit: next };
          pos++;
        } else if (last) break;
        else {
          buf = next;
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) pos++;
    const word = s.slice(start, pos);
    items.push({ tok: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', lit: word });
  }
}

class ParseError extends Error {}

class LabelParser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In a values context `in`/`notin` are plain identifiers (a key or value may be named "in"). */
  private peek(values: boolean): Item {
    const it = this.items[this.pos];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  private next(values: boolean): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (err) {
        if (err instanceof ParseError) throw new ParseError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = this.next(true);
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new ParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const n = this.peek(true);
      if (n.tok !== 'id' && n.tok !== '!') throw new ParseError(`found '${n.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let first = this.next(true);
    let op: LabelOperator | undefined;
    if (first.tok === '!') {
      op = '!';
      first = this.next(true);
    }
    if (first.tok !== 'id') throw new ParseError(`found '${first.lit}', expected: identifier`);
    const key = first.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length) throw new ParseError(invalid('<nil>', key, keyErrs.join('; ')));
    const la = this.peek(true).tok;
    if (op !== '!' && (la === 'eos' || la === ',')) op = 'exists';
    if (op === 'exists' || op === '!') return this.validated(key, op, []);

    const opItem = this.next(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const operator = ops[opItem.tok];
    if (!operator) throw new ParseError(`found '${opItem.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return this.validated(key, operator, [...new Set(values)].sort());
  }

  private validated(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
    const errs = requirementErrors(key, operator, values, '');
    if (errs.length) throw new ParseError(aggregate(errs));
    return { key, operator, values };
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new ParseError(`found '${open.lit}' expected: '('`);
    const la = this.peek(true);
    if (la.tok === ')') {
      this.next(true);
      return [''];
    }
    if (la.tok !== 'id' && la.tok !== ',') throw new ParseError(`found '${la.lit}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const it = this.next(true);
      if (it.tok === 'id') {
        values.push(it.lit);
        const n = this.peek(true);
        if (n.tok === ',') continue;
        if (n.tok === ')') break;
        throw new ParseError(`found '${n.lit}', expected: ',' or ')'`);
      } else if (it.tok === ',') {
        // Empty values are allowed: "(,a)", "(a,,b)", "(a,)" all include "".
        if (values.length === 0) values.push('');
        const n = this.peek(true);
        if (n.tok === ')') {
          values.push('');
          break;
        }
        if (n.tok === ',') {
          this.next(true);
          values.push('');
        }
      } else {
        throw new ParseError(`found '${it.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.next(true);
    if (close.tok !== ')') throw new ParseError(`found '${close.lit}', expected: ')'`);
    return values;
  }

  private exactValue(): string[] {
    const la = this.peek(true);
    if (la.tok === 'eos' || la.tok === ',') return [''];
    const it = this.next(true);
    if (it.tok === 'id') return [it.lit];
    throw new ParseError(`found '${it.lit}', expected: identifier`);
  }
}

/**
 * Parses the string form (`?labelSelector=`). The empty string selects
 * everything. Throws a 400 StatusError on bad input.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    const reqs = new LabelParser(lex(s)).parse();
    return reqs.length === 0 ? everythingSelector : { kind: 'labels', requirements: sortByKey(reqs) };
  } catch (err) {
    if (err instanceof ParseError) throw errors.badRequest(err.message);
    throw err;
  }
}

const expressionOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelector to a selector (metav1.LabelSelectorAsSelector):
 * null/undefined matches nothing, `{}` everything. Throws a 400 StatusError
 * for an invalid selector (unknown operator, bad key or value).
 */
export function labelSelectorFromObject(sel: MetaLabelSelector | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothingSelector;
  const matchLabels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return everythingSelector;
  const reqs: LabelRequirement[] = [];
  const fail = (errs: string[]): never => {
    throw errors.badRequest(aggregate(errs));
  };
  for (const [key, value] of Object.entries(matchLabels)) {
    const errs = requirementErrors(key, '=', [value], '');
    if (errs.length) fail(errs);
    reqs.push({ key, operator: '=', values: [value] });
  }
  for (const expr of exprs) {
    const op = expressionOperators[expr.operator];
    if (!op) fail([`${JSON.stringify(expr.operator)} is not a valid label selector operator`]);
    const values = [...(expr.values ?? [])];
    const errs = requirementErrors(expr.key, op, values, '');
    if (errs.length) fail(errs);
    reqs.push({ key: expr.key, operator: op, values });
  }
  return { kind: 'labels', requirements: sortByKey(reqs) };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  // Stable, so requirements on one key keep their written order (deterministic strings).
  return [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(v!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !isInt64(v!) || r.values.length !== 1 || !isInt64(r.values[0])) return false;
      const lv = BigInt(v!);
      const rv = BigInt(r.values[0]);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** Whether labels (absent: none) satisfy every requirement. */
export function matches(sel: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (sel.nothing) return false;
  const ls = labels ?? {};
  for (const r of sel.requirements) if (!requirementMatches(r, ls)) return false;
  return true;
}

/**
 * The value a selector pins a label (or field) to with =, == or a
 * single-value `in`, if any — lets a caller use an index instead of a scan.
 */
export function requiresExactMatch(sel: LabelSelector | FieldSelector, key: string): string | undefined {
  if (sel.kind === 'labels') {
    const r = sel.requirements.find((q) => q.key === key);
    if (r && (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
  return sel.terms.find((t) => t.field === key && t.operator === '=')?.value;
}

// ---------------------------------------------------------------------------
// Field selectors (fields.ParseSelector).

/** Escapes `\`, `,` and `=` in a field selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    // Kubernetes prints the rune as a number here (%v of a rune).
    else if (c === ',' || c === '=') throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw errors.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas not escaped by a backslash; escapes stay in the terms. */
function splitFieldTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/**
 * Parses `?fieldSelector=`. The empty string selects everything. Throws a
 * 400 StatusError on bad input.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitFieldTerms(s).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    // The field name has no escapes: the first operator splits the term.
    const m = /!=|==|=/.exec(part);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const field = part.slice(0, m.index);
    const value = unescapeFieldValue(part.slice(m.index + m[0].length));
    terms.push({ field, operator: m[0] === '!=' ? '!=' : '=', value });
  }
  return { kind: 'fields', terms };
}

/** The selector matching exactly these field values. */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return parseFieldSelector(
    Object.entries(set)
      .map(([f, v]) => `${f}=${escapeFieldValue(v)}`)
      .join(','),
  );
}

/** Whether the fields satisfy every term; an absent field counts as "". */
export function matchesFields(sel: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  for (const t of sel.terms) {
    const v = Object.prototype.hasOwnProperty.call(fields, t.field) ? fields[t.field] : '';
    if ((v === t.value) !== (t.operator === '=')) return false;
  }
  return true;
}

/**
 * The canonical string form, which parses back to an equal selector:
 * label requirements sorted by key with their values sorted, field terms in
 * order with values escaped. A nothing selector prints as "" (as Kubernetes'
 * does), so do not round-trip one through a string.
 */
export function selectorToString(sel: LabelSelector | FieldSelector): string {
  if (sel.kind === 'fields') return sel.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  return sel.requirements.map(requirementToString).join(',');
}

function requirementToString(r: LabelRequirement): string {
  const vals = [...r.values].sort().join(',');
  switch (r.operator) {
    case '!':
      return `!${r.key}`;
    case 'exists':
      return r.key;
    case 'in':
      return `${r.key} in (${vals})`;
    case 'notin':
      return `${r.key} notin (${vals})`;
    case 'gt':
      return `${r.key}>${vals}`;
    case 'lt':
      return `${r.key}<${vals}`;
    default:
      return `${r.key}${r.operator}${vals}`;
  }
}
