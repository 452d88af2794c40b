import type { IpcMainEvent, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../../shared/api/client.js';
import type { Message, Pipe } from '../../../shared/api/contract.js';
import { IPC_CHANNEL } from '../../../shared/api/desktop.js';
import { ipcPipe, type IpcMainLike } from '../../../main/electron/ipc-transport.js';
import { contractSuite } from '../../helpers/contract-suite.js';

type Listener = (event: IpcMainEvent, message: unknown) => void;

/** ipcMain as Electron types it, reduced to what the transport uses; messages are cloned as IPC would. */
class FakeIpcMain implements IpcMainLike {
  private readonly listeners = new Set<Listener>();
  on(channel: string, listener: Listener): void {
    if (channel === IPC_CHANNEL) this.listeners.add(listener);
  }
  removeListener(_channel: string, listener: Listener): void {
    this.listeners.delete(listener);
  }
  deliver(event: Partial<IpcMainEvent>, message: unknown): void {
    const copy = structuredClone(message);
    queueMicrotask(() => {
      for (const fn of this.listeners) fn(event as IpcMainEvent, copy);
    });
  }
}

type Frame = IpcMainEvent['senderFrame'];
const frame = (url: string, parent: unknown = null) => ({ url, parent }) as unknown as Frame;

/** A window's webContents and the renderer end of the preload's bridge, connected through the fake. */
function fakeWindow(ipcMain: FakeIpcMain) {
  const rendererListeners = new Set<(m: Message) => void>();
  const contents: Pick<WebContents, 'send' | 'isDestroyed'> = {
    send: (channel: string, message: unknown) => {
      if (channel !== IPC_CHANNEL) return;
      const copy = structuredClone(message) as Message;
      queueMicrotask(() => rendererListeners.forEach((fn) => fn(copy)));
    },
    isDestroyed: () => false,
  };
  const bridge: Pipe = {
    send: (m) =>
      ipcMain.deliver(
        { sender: contents as WebContents, senderFrame: frame('app://switchyard/index.html') },
        m,
      ),
    onMessage: (fn) => {
      rendererListeners.add(fn);
      return () => rendererListeners.delete(fn);
    },
  };
  return { contents, bridge };
}

contractSuite('Electron IPC (fakes shaped by Electron types)', async (plane) => {
  const ipcMain = new FakeIpcMain();
  const { contents, bridge } = fakeWindow(ipcMain);
  const disconnect = plane.connect(ipcPipe(ipcMain, contents));
  return { client: new ApiClient(bridge), close: disconnect };
});

describe('the IPC transport refuses foreign senders', () => {
  it('drops messages from another origin, a subframe or another window', async () => {
    const ipcMain = new FakeIpcMain();
    const window = fakeWindow(ipcMain);
    const other = fakeWindow(ipcMain);
    const received: Message[] = [];
    ipcPipe(ipcMain, window.contents).onMessage((m) => received.push(m));
    const call: Message = { type: 'call', id: 1, command: 'engine.status', params: {} };
    const sender = window.contents as WebContents;
    ipcMain.deliver({ sender, senderFrame: frame('https://attacker.example/') }, call);
    ipcMain.deliver(
      { sender, senderFrame: frame('app://switchyard/index.html', frame('app://switchyard/')) },
      call,
    );
    ipcMain.deliver({ sender, senderFrame: null }, call);
    other.bridge.send(call);
    window.bridge.send(call);
    await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual([call]);
  });
});
