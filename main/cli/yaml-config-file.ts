import { rename, writeFile } from 'node:fs/promises';
import type { ConfigPersistence, Source } from '../api/config-store.js';
import { syncYaml } from '../api/yaml-sync.js';

/**
 * Headless persistence: changes made through the API are written back into the YAML file the user
 * edits, keeping their comments and layout, atomically (a temporary file renamed over the old one).
 * `written` lets the file watcher know this text is ours, not an outside edit.
 */
export class YamlConfigFile implements ConfigPersistence {
  constructor(
    readonly path: string,
    public text: string,
    private readonly written: (text: string) => void,
  ) {}

  async write(sources: Source[]): Promise<void> {
    const next = syncYaml(this.text, sources);
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, next, 'utf8');
    this.written(next);
    await rename(temporary, this.path);
    this.text = next;
  }
}
