import { ClientEntity } from './client.entity.js';

export const CLIENT_ENTITIES = [ClientEntity];
