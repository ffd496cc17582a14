// Shared assertion for the client tests: a promise must reject with a TempoError of one kind.
import { strict as assert } from 'node:assert';
import { TempoError, type TempoErrorKind } from '../../src/tempo/errors';

export async function rejectsKind(p: Promise<unknown>, kind: TempoErrorKind, message?: RegExp): Promise<TempoError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TempoError, `expected TempoError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of "${e.message}"`);
    if (message !== undefined) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a ${kind} error`);
}
