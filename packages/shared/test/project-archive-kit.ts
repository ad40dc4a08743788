// Test fixtures of the project archive, for the specs in src/projects (not part of the built package).
import {
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  ProjectArchiveError,
  type ProjectFile,
} from '../src/projects/project-file.js';

// Over 100 bytes, so that GNU tar needs its long-name header, pax, or ustar's prefix field to store it.
const LONG_PATH = `deep/${'a'.repeat(60)}/${'b'.repeat(60)}/train_model.py`;

export const PROJECT: ProjectFile[] = [
  { path: 'train.sh', executable: true, data: Buffer.from('#!/bin/sh\npython src/model/net.py\n') },
  { path: 'src/model/net.py', executable: false, data: Buffer.from('import torch\n') },
  { path: LONG_PATH, executable: false, data: Buffer.from('print("deep")\n') },
  { path: 'data/empty.csv', executable: false, data: Buffer.alloc(0) },
  {
    path: 'data/weights.bin',
    executable: false,
    data: Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256)),
  },
  { path: 'données/été.txt', executable: false, data: Buffer.from('accents\n') },
];

export function refusalOf(action: () => unknown): ProjectArchiveError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProjectArchiveError) return error;
    throw error;
  }
  throw new Error('expected a ProjectArchiveError');
}

export function limits(overrides: Partial<ArchiveLimits>): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...overrides };
}
