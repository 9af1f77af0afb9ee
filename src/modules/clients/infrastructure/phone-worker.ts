import { parentPort } from 'node:worker_threads';
import { toE164 } from '../domain/client.rules.js';

/**
 * The phone worker's thread (started by PhoneNormalizer): the entity's own E.164 rule applied to
 * batches of numbers off the event loop.
 */
parentPort?.on('message', (message: { id: number; phones: string[]; region: string }) => {
  const numbers = message.phones.map((raw) => toE164(raw, message.region));
  parentPort!.postMessage({ id: message.id, numbers });
});
