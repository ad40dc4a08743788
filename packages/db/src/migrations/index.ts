import type { MigrationInterface } from 'typeorm';
import { InitialSchema1764288000000 } from './1764288000000-initial-schema.js';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [InitialSchema1764288000000];
