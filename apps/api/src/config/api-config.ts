import type { ApiConfig } from '@ct/shared';

/** Injection token for the validated API configuration. */
export const API_CONFIG = Symbol('API_CONFIG');
export type { ApiConfig };
