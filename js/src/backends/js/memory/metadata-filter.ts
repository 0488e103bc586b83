/**
 * The js-fallback twin of core/src/memory/metadata_filter.cc: the same operators, semantics,
 * bounds and messages (the header there spells the semantics out). Keys are visited in the order
 * they were given, as the core does (its objects keep insertion order): a filter reaches both as
 * JSON.stringify wrote it, so the first error reported is the same one.
 */
import { RuVectorError } from '../../../errors.js';

/** A parsed JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MAX_DEPTH = 32;
const MAX_NODES = 4096;
const MAX_TEXT = 1 << 20;

const FIELD_OPS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'] as const;
type FieldOp = (typeof FIELD_OPS)[number];
const FIELD_OP_LIST = FIELD_OPS.join(', ');

/** A compiled filter node. */
type Node =
  { op: '$and' | '$or'; children: Node[] } | { op: FieldOp; path: string[]; operand: Json; values: Json[] };

const bad = (where: string, what: string): RuVectorError =>
  new RuVectorError('INVALID_ARGUMENT', `${where}: ${what}`);

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'string') return 'a string';
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** -1, 0 or 1 by UTF-8 bytes, which is code point order (not UTF-16 unit order). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      const x = a.codePointAt(i)!;
      const y = b.codePointAt(i)!;
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** True when v nests no deeper than `limit` arrays / objects (json_limits.h). */
export function depthWithin(v: Json, limit: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (limit === 0) return false;
  for (const c of Array.isArray(v) ? v : Object.values(v)) if (!depthWithin(c, limit - 1)) return false;
  return true;
}

function equal(a: Json, b: Json): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as Json[];
    return a.length === bb.length && a.every((x, i) => equal(x, bb[i]!));
  }
  const bo = b as { [key: string]: Json };
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && equal(a[k]!, bo[k]!));
}

/** -1, 0, 1 for two numbers or two strings; 2 when they do not compare. */
function compare(a: Json, b: Json): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareUtf8(a, b);
  return 2;
}

function lookup(metadata: Json, path: string[]): Json | undefined {
  let at: Json | undefined = metadata;
  for (const key of path) {
    if (!isObject(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

function equalsField(field: Json | undefined, v: Json): boolean {
  if (field === undefined) return v === null;
  if (equal(field, v)) return true;
  return Array.isArray(field) && field.some((e) => equal(e, v));
}

function inRange(op: FieldOp, x: Json, operand: Json): boolean {
  const c = compare(x, operand);
  if (c === 2) return false;
  if (op === '$gt') return c > 0;
  if (op === '$gte') return c >= 0;
  if (op === '$lt') return c < 0;
  return c <= 0;
}

function evaluate(node: Node, metadata: Json): boolean {
  if (node.op === '$and') return node.children.every((c) => evaluate(c, metadata));
  if (node.op === '$or') return node.children.some((c) => evaluate(c, metadata));
  const n = node as Extract<Node, { path: string[] }>;
  const field = lookup(metadata, n.path);
  switch (n.op) {
    case '$eq':
      return equalsField(field, n.operand);
    case '$ne':
      return !equalsField(field, n.operand);
    case '$in':
    case '$nin': {
      const hit = n.values.some((v) => equalsField(field, v));
      return n.op === '$in' ? hit : !hit;
    }
    case '$exists':
      return (field !== undefined) === n.operand;
    default:
      if (field === undefined) return false;
      if (inRange(n.op, field, n.operand)) return true;
      return Array.isArray(field) && field.some((e) => inRange(n.op, e, n.operand));
  }
}

class Compiler {
  #nodes = 0;

  filter(spec: Json, where: string, depth: number): Node {
    if (!isObject(spec)) throw bad(where, `must be an object (got ${typeName(spec)})`);
    if (depth > MAX_DEPTH) throw bad(where, `nests deeper than ${MAX_DEPTH} levels`);
    const children: Node[] = [];
    for (const key of Object.keys(spec)) {
      children.push(
        key.startsWith('$')
          ? this.#logical(key, spec[key]!, where, depth)
          : this.#field(key, spec[key]!, where, depth),
      );
    }
    return { op: '$and', children };
  }

  #count(where: string, n = 1): void {
    this.#nodes += n;
    if (this.#nodes > MAX_NODES) throw bad(where, `the filter has more than ${MAX_NODES} conditions`);
  }

  #logical(key: string, v: Json, where: string, depth: number): Node {
    const at = `${where}.${key}`;
    if (key !== '$and' && key !== '$or')
      throw bad(at, 'unknown operator at the top of a filter (expected $and, $or or a field name)');
    if (!Array.isArray(v) || v.length === 0)
      throw bad(at, `must be a non-empty array of filters (got ${typeName(v)})`);
    this.#count(at);
    return { op: key, children: v.map((f, i) => this.filter(f, `${at}[${i}]`, depth + 1)) };
  }

  #field(key: string, v: Json, where: string, depth: number): Node {
    const at = `${where}.${key}`;
    const path = key.split('.');
    if (path.some((p) => p === '')) throw bad(at, 'a field name has an empty part');
    const hasOps = isObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
    if (!hasOps) return this.#leaf('$eq', path, v, at, depth);
    const obj = v as { [key: string]: Json };
    const children: Node[] = [];
    for (const name of Object.keys(obj)) {
      if (!(FIELD_OPS as readonly string[]).includes(name)) {
        if (!name.startsWith('$')) throw bad(at, `mixes operators and field names ('${name}')`);
        throw bad(`${at}.${name}`, `unknown operator (expected one of ${FIELD_OP_LIST})`);
      }
      children.push(this.#leaf(name as FieldOp, path, obj[name]!, `${at}.${name}`, depth));
    }
    return { op: '$and', children };
  }

  #leaf(op: FieldOp, path: string[], v: Json, at: string, depth: number): Node {
    this.#count(at);
    if (!depthWithin(v, Math.max(MAX_DEPTH - depth, 0)))
      throw bad(at, `nests deeper than ${MAX_DEPTH} levels`);
    let values: Json[] = [];
    switch (op) {
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof v !== 'number' && typeof v !== 'string')
          throw bad(at, `must be a number or a string (got ${typeName(v)})`);
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(v)) throw bad(at, `must be an array (got ${typeName(v)})`);
        this.#count(at, v.length);
        values = v;
        break;
      case '$exists':
        if (typeof v !== 'boolean') throw bad(at, `must be true or false (got ${typeName(v)})`);
        break;
      default:
        break;
    }
    return { op, path, operand: v, values };
  }
}

/** A compiled filter: matches(metadata), and whether it lets everything through. */
export interface CompiledFilter {
  matches(metadata: Json): boolean;
  matchesAll: boolean;
}

/** Compiles filter JSON text ('' or '{}': everything passes); INVALID_ARGUMENT as the core words it. */
export function compileFilter(jsonText: string): CompiledFilter {
  if (jsonText === '') return { matches: () => true, matchesAll: true };
  if (jsonText.length > MAX_TEXT && new TextEncoder().encode(jsonText).length > MAX_TEXT)
    throw bad('filter', `is longer than ${MAX_TEXT} bytes of JSON`);
  let spec: Json;
  try {
    spec = JSON.parse(jsonText) as Json;
  } catch {
    throw bad('filter', 'is not valid JSON');
  }
  const root = new Compiler().filter(spec, 'filter', 0);
  return { matches: (m) => evaluate(root, m), matchesAll: 'children' in root && root.children.length === 0 };
}
