import { MeshpactError } from '../../src/errors/meshpact-error.js';

/** A thread missing or another tenant's: the same answer, so neither can be told apart. */
export const threadNotFound = () => new MeshpactError('thread_not_found', 'no such thread');
