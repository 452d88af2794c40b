import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import type { Message, Pipe } from '../../shared/api/contract.js';
import { isTrustedSender } from './security.js';

/** The one channel the contract's envelopes travel on, both ways. */
export const IPC_CHANNEL = 'switchyard:message';

/**
 * The contract over Electron IPC for one window: the main-process end of the preload's `bridge`.
 * Messages are accepted only from that window's own top-level app:// frame; anything else is dropped.
 */
export function ipcPipe(
  ipcMain: Pick<IpcMain, 'on' | 'removeListener'>,
  contents: Pick<WebContents, 'send' | 'isDestroyed'>,
): Pipe {
  return {
    send(message: Message) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage(listener) {
      const handler = (event: IpcMainEvent, message: unknown) => {
        if (event.sender !== contents || !isTrustedSender(event.senderFrame)) return;
        listener(message as Message);
      };
      ipcMain.on(IPC_CHANNEL, handler);
      return () => ipcMain.removeListener(IPC_CHANNEL, handler);
    },
  };
}
