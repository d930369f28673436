/**
 * The shape every request must have before any operation reads it: undefined, or a plain object
 * of named parameters whose values are data — text, numbers, booleans, null, dates, bytes, files
 * and file handles, in plain objects and lists — at most MAX_REQUEST_DEPTH levels deep, without
 * cycles, and with every string (values and object keys alike: an encryption context's keys are
 * data) well-formed Unicode.
 *
 * The core calls `checkRequestShape` first thing in the audited call, so a refusal gets its one
 * audit record. The client (src/kms/client.ts) calls `findUncloneable` before posting, because
 * what the browser cannot copy to the worker never reaches the core at all.
 *
 * Refusals are ValidationExceptions in AWS's wording, naming the parameter by its camelCase path
 * (`encryptionContext`, `keyIds.2.member`), never echoing the value.
 */
import { KmsError, validationError } from '../errors.ts';

/** Levels of nesting a request may have; the request object itself is level 1. */
export const MAX_REQUEST_DEPTH = 32;

/** Maps whose keys are the caller's data, not parameter names: paths stop at the map. */
const DATA_MAPS = new Set([
  'EncryptionContext',
  'SourceEncryptionContext',
  'DestinationEncryptionContext',
]);

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export interface ShapeProblem {
  /** camelCase path of the offending parameter: `request`, `encryptionContext`, `tags.1.member`. */
  path: string;
  /** AWS-style constraint text, beginning "Member must". */
  constraint: string;
}

interface ShapeOptions {
  /** Also require every string and key to be well-formed Unicode (the core does; the client leaves it to the core, which logs the refusal). */
  wellFormedStrings: boolean;
}

/**
 * Throws ValidationException unless `request` has the shape described above. Never reads a
 * value into the message. Total: a getter that throws or a hostile Proxy is a refusal too.
 */
export function checkRequestShape(request: unknown): void {
  const problem = findShapeProblem(request, { wellFormedStrings: true });
  if (problem) throw validationError(problem.path, undefined, problem.constraint);
}

/**
 * What the client refuses before posting: everything `checkRequestShape` refuses except
 * ill-formed strings (those cross fine, and the core refuses them with an audit record).
 */
export function findUncloneable(request: unknown): ShapeProblem | undefined {
  return findShapeProblem(request, { wellFormedStrings: false });
}

export function findShapeProblem(
  request: unknown,
  options: ShapeOptions,
): ShapeProblem | undefined {
  if (request === undefined) return undefined;
  try {
    if (
      request === null ||
      typeof request !== 'object' ||
      Array.isArray(request) ||
      !isPlainObject(request)
    ) {
      return {
        path: 'request',
        constraint: `Member must be an object of named parameters, not ${describeKind(request)}`,
      };
    }
    return new Walker(options).visit(request, 'request', 1, false);
  } catch (error) {
    if (error instanceof KmsError) throw error;
    // A throwing getter, a revoked Proxy: the request cannot be read, so it is refused.
    return { path: 'request', constraint: 'Member must be readable data (reading it failed)' };
  }
}

class Walker {
  /** Containers on the current path: meeting one again is a cycle. */
  private readonly ancestors = new Set<object>();
  /**
   * Containers already checked, with the deepest level they were checked at. A value shared by
   * many parameters (legal: structured clone keeps sharing) is walked again only when reached
   * deeper, so a graph of shared references cannot make the walk exponential.
   */
  private readonly checkedAt = new Map<object, number>();

  constructor(private readonly options: ShapeOptions) {}

  visit(value: unknown, path: string, depth: number, inDataMap: boolean): ShapeProblem | undefined {
    switch (typeof value) {
      case 'undefined':
      case 'boolean':
      case 'number':
        return undefined;
      case 'string':
        return this.options.wellFormedStrings && !isWellFormed(value)
          ? { path, constraint: 'Member must be a valid Unicode string' }
          : undefined;
      case 'function':
        return { path, constraint: 'Member must be data, not a function' };
      case 'symbol':
        return { path, constraint: 'Member must be data, not a Symbol' };
      case 'bigint':
        return { path, constraint: 'Member must be a number, not a BigInt' };
    }
    const object = value as object | null;
    if (object === null || isLeafObject(object)) return undefined;
    const isArray = Array.isArray(object);
    if (!isArray && !isPlainObject(object)) {
      return {
        path,
        constraint: `Member must be text, a number, a boolean, a date, bytes, a file, a list or a plain object, not ${describeKind(object)}`,
      };
    }
    if (this.ancestors.has(object)) {
      return { path, constraint: 'Member must not contain itself (a cyclic reference)' };
    }
    if (depth > MAX_REQUEST_DEPTH) {
      return {
        path,
        constraint: `Member must not be nested more than ${MAX_REQUEST_DEPTH} levels deep`,
      };
    }
    const checked = this.checkedAt.get(object);
    if (checked !== undefined && checked >= depth) return undefined;
    this.ancestors.add(object);
    try {
      if (isArray) {
        const items = object as unknown[];
        for (let index = 0; index < items.length; index++) {
          const problem = this.visit(items[index], `${path}.${index + 1}.member`, depth + 1, false);
          if (problem) return problem;
        }
      } else {
        for (const key of Object.keys(object)) {
          if (this.options.wellFormedStrings && !isWellFormed(key)) {
            return { path, constraint: 'Member must be a valid Unicode string' };
          }
          const named = !inDataMap && FIELD_NAME.test(key);
          const childPath = named ? `${childPrefix(path)}${camelCase(key)}` : path;
          const problem = this.visit(
            (object as Record<string, unknown>)[key],
            childPath,
            depth + 1,
            !inDataMap && DATA_MAPS.has(key),
          );
          if (problem) return problem;
        }
      }
    } finally {
      this.ancestors.delete(object);
    }
    this.checkedAt.set(object, Math.max(depth, checked ?? 0));
    return undefined;
  }
}

/** The request's own fields are named without a `request.` prefix, as validationError does. */
function childPrefix(path: string): string {
  return path === 'request' ? '' : `${path}.`;
}

function camelCase(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Values passed whole: dates, bytes, files and file handles. */
export function isLeafObject(value: object): boolean {
  return (
    value instanceof Date ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    (typeof FileSystemFileHandle !== 'undefined' && value instanceof FileSystemFileHandle)
  );
}

export function isWellFormed(text: string): boolean {
  const native = (text as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(text) : !/\p{Surrogate}/u.test(text);
}

/** A few words naming what a value is, never what it holds. */
function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a Symbol';
    case 'bigint':
      return 'a BigInt';
  }
  try {
    const name: unknown = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } })
      ?.constructor?.name;
    if (typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name)) return `a ${name}`;
  } catch {
    // A Proxy that throws on getPrototypeOf: say nothing more.
  }
  return 'an object of another kind';
}
