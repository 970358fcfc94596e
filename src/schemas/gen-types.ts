// `npm run gen`: regenerates src/schemas/types.generated.ts from schemas/.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { defaultSchemaDir } from './schema-files.js';
import { generateTypes, generatedTypesFile } from './typegen.js';

const target = join(packageRoot(), generatedTypesFile);
await writeFile(target, await generateTypes(defaultSchemaDir()));
console.log(`wrote ${generatedTypesFile}`);
