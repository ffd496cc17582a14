// Defers loading a package until its first use, so the extension bundle does not evaluate it at activation.

/**
 * Returns a getter that runs `load` on its first call and keeps the value; a failed load is retried
 * on the next call. Call sites pass a literal `() => require('<package>') as typeof Pkg` with
 * `import type * as Pkg from '<package>'` for the types: esbuild.mjs redirects that require to the
 * package's own bundle in dist/vendor/ (and refuses a value `import` of it in the extension bundle),
 * while unbundled runs (tests compiled to out/) get the package itself from node_modules.
 */
export function lazyRequire<T>(load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
