import { fork } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ControlPlane } from '../main/api/control-plane.js';
import { Engine } from '../main/engine/engine.js';
import { applyResidentHeapPolicy } from '../main/host/heap-policy.js';
import type { Message, Pipe } from '../shared/api/contract.js';

/**
 * The desktop app's main process as the benchmark sees it: the engine and its control plane, with the
 * window's renderer in another process at the end of a structured-clone channel (Electron's IPC
 * serialises messages the same way, in this process). argv: upstream port. Reports its gateway's port;
 * answers 'eld-start', 'eld' (this process's event-loop delay) and 'lag' (the renderer's figures).
 */
const upstream = `http://127.0.0.1:${process.argv[2]}`;
applyResidentHeapPolicy(); // as AppHost does in the desktop app
const engine = new Engine();
const plane = new ControlPlane(engine);
const loaded = await plane.store.load(`name: desktop
port: 0
routes:
  a: { targets: [${upstream}], weight: 50% }
  b: { targets: [${upstream}], weight: 50% }
`);
if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));

const renderer = fork(path.join(import.meta.dirname, 'desktop-renderer.js'), [], {
  serialization: 'advanced',
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const pipe: Pipe = {
  send: (message: Message) => void renderer.send(message),
  onMessage(listener) {
    const handler = (m: unknown) => {
      if ((m as { type?: string }).type !== 'lag') listener(m as Message);
    };
    renderer.on('message', handler);
    return () => renderer.off('message', handler);
  },
};
plane.connect(pipe);
await new Promise<void>((resolve) => renderer.once('message', () => resolve())); // its first call

const delay = monitorEventLoopDelay({ resolution: 10 });
process.on('message', (m: { type: string }) => {
  if (m.type === 'eld-start') {
    delay.reset();
    delay.enable();
    renderer.send({ type: 'lag-start' });
  }
  if (m.type === 'eld') {
    delay.disable();
    process.send?.({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
  }
  if (m.type === 'lag') {
    renderer.once('message', (r: unknown) => process.send?.(r));
    renderer.send({ type: 'lag' });
  }
});
process.send?.({ port: engine.status()[0]!.boundPort });
process.on('disconnect', () => {
  renderer.kill();
  process.exit(0);
});
