import { createHash } from 'node:crypto';
import { type ProjectFile, projectHash } from './project-file.js';

describe('projectHash', () => {
  const files: ProjectFile[] = [
    { path: 'b.py', executable: false, data: Buffer.from('b') },
    { path: 'a.sh', executable: true, data: Buffer.from('a') },
  ];

  it('hashes each file line, sorted by path', () => {
    const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
    const lines = `a.sh\0x\0${sha256('a')}\nb.py\0-\0${sha256('b')}\n`;

    expect(projectHash(files)).toBe(sha256(lines));
    expect(projectHash([...files].reverse())).toBe(sha256(lines));
  });

  it('changes with an executable bit or a byte', () => {
    const [b, a] = files as [ProjectFile, ProjectFile];

    expect(projectHash([b, { ...a, executable: false }])).not.toBe(projectHash(files));
    expect(projectHash([b, { ...a, data: Buffer.from('A') }])).not.toBe(projectHash(files));
  });
});
