import { tsImport } from 'tsx/esm/api';

export default async function removePacts() {
  const pacts = await tsImport('./pacts.ts', import.meta.url);
  pacts.removePacts();
}
