// Timing helper shared by the benchmarks.
import { performance } from 'node:perf_hooks';

/** The fastest of `runs` timed calls of `f`, in ms (the least disturbed by the rest of the machine). */
export function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}
