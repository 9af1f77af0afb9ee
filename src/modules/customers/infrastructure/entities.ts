import { CustomerEntity } from './customer.entity.js';

export const CUSTOMER_ENTITIES = [CustomerEntity];
