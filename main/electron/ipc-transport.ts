import type { IpcMainEvent, WebContents } from 'electron';
import type { Message, Pipe } from '../../shared/api/contract.js';
import { IPC_CHANNEL } from '../../shared/api/desktop.js';
import { isTrustedSender } from './security.js';

type Handler = (event: IpcMainEvent, message: unknown) => void;

/** What the transport needs of ipcMain, in Electron's own event type (Electron's IpcMain satisfies it). */
export interface IpcMainLike {
  on(channel: string, listener: Handler): unknown;
  removeListener(channel: string, listener: Handler): unknown;
}

/**
 * The contract over Electron IPC for one window: the main-process end of the preload's `bridge`.
 * Messages are accepted only from that window's own top-level app:// frame; anything else is dropped.
 */
export function ipcPipe(ipcMain: IpcMainLike, contents: Pick<WebContents, 'send' | 'isDestroyed'>): Pipe {
  return {
    send(message: Message) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage(listener) {
      const handler: Handler = (event, message) => {
        if (event.sender !== contents || !isTrustedSender(event.senderFrame)) return;
        listener(message as Message);
      };
      ipcMain.on(IPC_CHANNEL, handler);
      return () => ipcMain.removeListener(IPC_CHANNEL, handler);
    },
  };
}
