import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { packageRoot } from '../runtime/paths.js';

/** The base of every schema `$id`; ids mirror file paths under schemas/. */
export const schemaIdBase = 'https://meshpact.dev/schemas/';

/** Folders under schemas/ that hold API documents, not message schemas. */
const documentFolders = new Set(['openapi', 'asyncapi']);

export interface SchemaFile {
  /** Path under schemas/ without `.json`, e.g. `auth/user`: the name used everywhere. */
  name: string;
  /** Absolute path of the file. */
  path: string;
  schema: JsonSchema;
}

export interface JsonSchema {
  $id: string;
  title: string;
  examples?: unknown[];
  [keyword: string]: unknown;
}

export function defaultSchemaDir(): string {
  return join(packageRoot(), 'schemas');
}

/** Reads every message schema under `dir`, sorted by name, and checks its `$id` matches its path. */
export function readSchemaFiles(dir: string = defaultSchemaDir()): SchemaFile[] {
  const files: SchemaFile[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!(folder === dir && documentFolders.has(entry.name))) walk(path);
      } else if (entry.name.endsWith('.json')) {
        const name = relative(dir, path)
          .split(sep)
          .join('/')
          .replace(/\.json$/, '');
        let schema: JsonSchema;
        try {
          schema = JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
        } catch (error) {
          throw new MeshpactError(
            'config_invalid',
            `schemas/${name}.json is not JSON: ${(error as Error).message}`,
          );
        }
        if (schema.$id !== `${schemaIdBase}${name}.json`) {
          throw new Error(`schemas/${name}.json: $id must be ${schemaIdBase}${name}.json`);
        }
        files.push({ name, path, schema });
      }
    }
  };
  walk(dir);
  return files.sort((a, b) => a.name.localeCompare(b.name));
}
