import { AppEntity } from './app.entity.js';

export const APP_ENTITIES = [AppEntity];
