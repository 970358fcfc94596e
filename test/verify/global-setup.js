// jest loads global hooks natively, without its TypeScript transform; tsx loads the TypeScript.
import { tsImport } from 'tsx/esm/api';

export default async function writePacts() {
  const pacts = await tsImport('./pacts.ts', import.meta.url);
  await pacts.writePacts();
}
