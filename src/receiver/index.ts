// Starts the local OTLP receiver: the loopback endpoint feeding a bounded span store. The host's source registry calls this.
import { startServer } from './server';
import { DEFAULT_MAX_BYTES, SpanStore } from './spanStore';

export interface ReceiverOptions {
  /** `tempoLens.receiver.port` (default 4318); the next free port is taken when it is in use. 0: any free port (tests). */
  readonly port: number;
  /** `tempoLens.receiver.retention` in ms (see `parseRetention`). */
  readonly retentionMs: number;
  /** Memory cap of the store (estimated bytes); default 64 MiB. */
  readonly maxBytes?: number;
  /** Wire and decompressed caps per request (defaults 16 MiB and 64 MiB). */
  readonly maxBodyBytes?: number;
  readonly maxDecodedBytes?: number;
  /** One line per notable event: port fallback, spans refused, oldest spans dropped at the cap. */
  readonly log?: (message: string) => void;
}

export interface Receiver {
  /** The port listened on, which differs from the configured one when that was taken. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`, the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly store: SpanStore;
  close(): Promise<void>;
}

function size(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 1048576)} MB` : `${Math.round(bytes / 1024)} KB`;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const log = options.log ?? ((): void => undefined);
  const store = new SpanStore({ retentionMs: options.retentionMs, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
  const server = await startServer({
    port: options.port,
    log,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.maxDecodedBytes !== undefined ? { maxDecodedBytes: options.maxDecodedBytes } : {}),
    onSpans: (ingested) => {
      if (ingested.rejected > 0) log(`receiver: ${ingested.message}`);
      const r = store.add(ingested.spans);
      if (r.evicted > 0) {
        log(`receiver: memory cap of ${size(store.maxBytes)} reached: dropped the ${r.evicted} oldest spans (${store.stats().evicted} so far)`);
      }
    },
  });
  return {
    port: server.port,
    endpoint: `http://127.0.0.1:${server.port}`,
    store,
    close: () => server.close(),
  };
}
