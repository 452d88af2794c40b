import http2 from 'node:http2';

/**
 * An HTTP/2 load like autocannon's (which speaks only HTTP/1.1): `streams` requests in flight at all
 * times, spread over `sessions` connections, for `seconds`; certificates are not verified (the bench's
 * own CA). Bounded in time; latencies are kept for the percentiles (at most a few hundred thousand).
 */
export async function h2Load(
  origin: string,
  path: string,
  opts: { seconds: number; streams: number; sessions: number },
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const sessions = Array.from({ length: opts.sessions }, () =>
    http2.connect(origin, { rejectUnauthorized: false, peerMaxConcurrentStreams: 1000 }),
  );
  await Promise.all(sessions.map((s) => new Promise((resolve) => s.once('connect', resolve))));
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + opts.seconds * 1000;
  const started = Date.now();
  const worker = async (session: http2.ClientHttp2Session) => {
    while (Date.now() < deadline) {
      const t0 = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        const s = session.request({ ':path': path });
        let status = 0;
        s.on('response', (h) => (status = Number(h[':status'])));
        s.on('data', () => undefined);
        s.on('end', () => resolve(status === 200));
        s.on('error', () => resolve(false));
      });
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: opts.streams }, (_, i) => worker(sessions[i % sessions.length]!)));
  const seconds = (Date.now() - started) / 1000;
  for (const s of sessions) s.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] ?? 0);
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), errors };
}
