// `npm run tempo:dev`: a seeded Tempo test server on TEMPO_PORT (default 3200, 0 = random) until Ctrl-C.
import { startTempoServer } from './server';
import { seedTraces } from './seed';

async function main(): Promise<void> {
  const raw = process.env['TEMPO_PORT'];
  const port = raw === undefined || raw === '' ? 3200 : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`TEMPO_PORT must be a port number, got ${raw}`);
  const server = await startTempoServer({ port });
  const payloads = seedTraces(Date.now());
  for (const p of payloads) server.ingest(p);
  process.stdout.write(`Tempo test server (Tempo 2.7.2 API) on ${server.url} with ${payloads.length} seeded traces. Ctrl-C stops it.\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
