import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GatewaySource } from '../../shared/config/source.js';
import type { NamedConditions } from '../../shared/config/named-conditions.js';
import type { ListenersSource } from '../../shared/config/listeners.js';
import { StaleFile, type ConfigPersistence } from '../api/config-store.js';
import { syncYaml } from '../api/yaml-sync.js';

/** How long, and how often, a changed file is read again before its text counts as the user's save. */
const SETTLE_MS = 25;
const SETTLE_TRIES = 8;

/**
 * Headless persistence: changes made through the API are written back into the YAML file the user
 * edits, keeping their comments and layout, atomically (a temporary file renamed over the old one).
 *
 * The file is the user's, and they may save it at any moment: Switchyard writes only on top of the text
 * it last read or wrote, and only while that is still what the file holds. Anything newer is theirs,
 * and is loaded before a change is made (`newer`), never written over.
 */
export class YamlConfigFile implements ConfigPersistence {
  readonly name: string;

  /** `known`: the text Switchyard last read from the file (or wrote into it). */
  constructor(
    readonly path: string,
    private known: string,
  ) {
    this.name = basename(this.path);
  }

  async newer(): Promise<string | undefined> {
    const text = await this.settled();
    // An empty file is an editor between truncating and writing it, however long that takes: never a
    // configuration to run (`gateways: []` says "no gateways").
    if (text === undefined || text === this.known || !text.trim()) return undefined;
    return text;
  }

  /**
   * The file's text once it has stopped changing: editors that save in place truncate the file and then
   * write it, so a read can catch it half written, which would load as "fewer gateways" and stop the
   * rest for a moment. A text counts once two reads a moment apart agree.
   */
  private async settled(): Promise<string | undefined> {
    let text = await this.read();
    for (let i = 0; i < SETTLE_TRIES && text !== this.known; i++) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const again = await this.read();
      if (again === text) return text;
      text = again;
    }
    return text;
  }

  loaded(text: string): void {
    this.known = text;
  }

  async write(
    sources: GatewaySource[],
    conditions: NamedConditions,
    listeners?: ListenersSource,
  ): Promise<void> {
    // No listeners: the file has none either (a `listeners:` the user removed stays removed).
    const next = syncYaml(this.known, sources, conditions, listeners ?? null);
    if (next === this.known) return;
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, next, 'utf8');
    // The last look before the rename: a save of the user's since the change was computed wins, and the
    // change is made again on top of it.
    if ((await this.read()) !== this.known) {
      await rm(temporary, { force: true });
      throw new StaleFile(`${this.name} changed while a change was being saved`);
    }
    await rename(temporary, this.path);
    this.known = next;
  }

  /** The file's text; undefined while it is missing (an editor between its delete and its rename). */
  private async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch {
      return undefined;
    }
  }
}
