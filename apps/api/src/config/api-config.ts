import type { ApiConfig } from '@ct/shared/runtime';

/** Injection token for the validated API configuration. */
export const API_CONFIG = Symbol('API_CONFIG');
export type { ApiConfig };
