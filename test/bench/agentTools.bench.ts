// Cost of an agent-tool result: get_trace's capped span-tree summary per span of the trace (10k and 100k spans), and its output size.
import { best } from './timing';
import { getTraceResult, resultText, traceCodeRefs } from '../../src/core/agentTools';
import { parseTraceBody } from '../../src/core/otlp';
import { BIG_TRACE_ID, bigTrace } from '../unit/bigTrace';

export async function run(): Promise<void> {
  for (const n of [10_000, 100_000]) {
    const trace = parseTraceBody(bigTrace(Date.now(), n).payload);
    const locations = new Map(traceCodeRefs(trace).map((r) => [r.key, null]));
    let text = '';
    getTraceResult(trace, BIG_TRACE_ID, locations);
    const ms = best(n > 50_000 ? 3 : 8, () => { text = resultText(getTraceResult(trace, BIG_TRACE_ID, locations)); });
    const shown = (JSON.parse(text) as { spans: unknown[] }).spans.length;
    console.log(`${n} spans: get_trace summary ${ms.toFixed(1)} ms (${((ms * 1000) / n).toFixed(2)} µs/span), ${Buffer.byteLength(text)} bytes, ${shown} spans listed`);
  }
}
