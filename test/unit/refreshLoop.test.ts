// The store's refresh lifecycle without VS Code (host/stats/refreshLoop): debounce, supersede, cancel, timeout, disposal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReplaced, RefreshAbort, RefreshLoop } from '../../src/host/stats/refreshLoop';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A run that records its signal and waits until told to finish (or is aborted). */
function recorder() {
  const runs: { signal: AbortSignal; finish(): void }[] = [];
  const run = (signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      runs.push({ signal, finish: resolve });
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  return { runs, run };
}

test('requests within the debounce make one run, and every caller settles with it', async () => {
  const r = recorder();
  const loop = new RefreshLoop({ run: r.run, debounceMs: 30, timeoutMs: 5000 });
  const done = [loop.request(), loop.request(), loop.request()];
  assert.equal(loop.busy, true, 'busy while a request waits for its debounce');
  await sleep(60);
  assert.equal(r.runs.length, 1);
  r.runs[0]!.finish();
  await Promise.all(done);
  assert.equal(loop.busy, false);
  loop.dispose();
});

test('a newer run supersedes the one in flight: its signal aborts as replaced, and the old caller settles with the new run', async () => {
  const r = recorder();
  const loop = new RefreshLoop({ run: r.run, debounceMs: 0, timeoutMs: 5000 });
  let firstSettled = false;
  const first = loop.now().then(() => (firstSettled = true));
  const second = loop.now();
  assert.equal(r.runs.length, 2);
  assert.equal(r.runs[0]!.signal.aborted, true);
  assert.ok(r.runs[0]!.signal.reason instanceof RefreshAbort);
  assert.equal(isReplaced(r.runs[0]!.signal), true, 'a superseded run is not a failure');
  await sleep(10);
  assert.equal(firstSettled, false, 'the first caller waits for the run that replaced its own');
  r.runs[1]!.finish();
  await Promise.all([first, second]);
  assert.equal(firstSettled, true);
  loop.dispose();
});

test('a run past the timeout is aborted with kind "timeout", which is a failure, not a replacement', async () => {
  const r = recorder();
  const loop = new RefreshLoop({ run: r.run, debounceMs: 0, timeoutMs: 40 });
  await loop.now();
  const s = r.runs[0]!.signal;
  assert.equal(s.aborted, true);
  assert.equal((s.reason as RefreshAbort).kind, 'timeout');
  assert.equal(isReplaced(s), false);
  loop.dispose();
});

test('busy turns on once and off once per burst of work (progress UI), and a throwing run is reported, not rethrown', async () => {
  const events: boolean[] = [];
  const errors: unknown[] = [];
  const loop = new RefreshLoop({
    run: async () => { await sleep(5); throw new Error('boom'); },
    debounceMs: 10, timeoutMs: 1000, onBusy: (b) => events.push(b), onError: (e) => errors.push(e),
  });
  await Promise.all([loop.request(), loop.request()]);
  assert.deepEqual(events, [true, false]);
  assert.equal((errors[0] as Error).message, 'boom');
  loop.dispose();
});

test('dispose aborts the run in flight as disposed and settles pending requests without running them', async () => {
  const r = recorder();
  const loop = new RefreshLoop({ run: r.run, debounceMs: 0, timeoutMs: 5000 });
  const inflight = loop.now();
  const pending = loop.request();
  loop.dispose();
  await Promise.all([inflight, pending]);
  assert.equal(r.runs.length, 1, 'the pending request never ran');
  assert.equal((r.runs[0]!.signal.reason as RefreshAbort).why, 'disposed');
  assert.equal(isReplaced(r.runs[0]!.signal), true);
  await loop.request();
  assert.equal(r.runs.length, 1, 'a disposed loop runs nothing');
});
