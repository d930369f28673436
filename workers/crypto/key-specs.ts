/** Shim for workers/kms/ until its imports name ../key-specs.ts; delete it then. */
export * from '../key-specs.ts';
